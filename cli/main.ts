// ptplab: bring up a simulated PTP lab, run the conformance sync tests, tear
// it down. Thin entry point: every command lives in lab/.
import { Command, Option } from 'commander'
import { MODES } from '../lab/conformance/modes.js'
import { exitCodeFor, reportError } from './output.js'
import { collectLabel, collectNodeLabel, contextOpt, GRAPH_HELP, imagesHelp, kubeconfigOpt, splitTags } from './options.js'
import { addVmCommands } from './vm-command.js'

// Each command's module is loaded when the command runs, so `--help`, input
// errors and light commands do not pay for Docker, zx or the metrics
// registry (a few hundred ms per start).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (...a: any[]) => Promise<number>
const lazy =
  <M, K extends keyof M>(load: () => Promise<M>, name: K): Handler =>
  async (...a) =>
    ((await load())[name] as Handler)(...a)
const labCmds = () => import('./lab-commands.js')
const clusterCmds = () => import('./cluster-commands.js')
const imageCmds = () => import('./images-command.js')
const toolCmds = () => import('./tool-commands.js')
const cmdUp = lazy(labCmds, 'cmdUp')
const cmdList = lazy(labCmds, 'cmdList')
const cmdStatus = lazy(labCmds, 'cmdStatus')
const cmdTest = lazy(labCmds, 'cmdTest')
const cmdDown = lazy(labCmds, 'cmdDown')
const cmdRun = lazy(labCmds, 'cmdRun')
const cmdApply = lazy(clusterCmds, 'cmdApply')
const cmdDelete = lazy(clusterCmds, 'cmdDelete')
const cmdGet = lazy(clusterCmds, 'cmdGet')
const cmdLabel = lazy(clusterCmds, 'cmdLabel')
const cmdImagesBuild = lazy(imageCmds, 'cmdImagesBuild')
const cmdImagesLoad = lazy(imageCmds, 'cmdImagesLoad')
const cmdImagesPush = lazy(imageCmds, 'cmdImagesPush')
const cmdImagesSave = lazy(imageCmds, 'cmdImagesSave')
const cmdProfiles = lazy(toolCmds, 'cmdProfiles')
const cmdReplayLog = lazy(toolCmds, 'cmdReplayLog')
const cmdGraph = lazy(() => import('./graph-command.js'), 'cmdGraph')
const cmdDiscover = lazy(() => import('./discover-command.js'), 'cmdDiscover')
const cmdSolve = lazy(() => import('./solve-command.js'), 'cmdSolve')
const cmdConfigpair = lazy(() => import('./configpair-command.js'), 'cmdConfigpair')

const program = new Command('ptplab')
  .description(
    'A PTP (IEEE 1588) lab on one Linux host. Nodes are network namespaces linked by veth pairs, ' +
      'through an Open vSwitch switch that runs ptp4l as a boundary clock; every node runs the ptplab ' +
      'linuxptp daemon. Needs root; state lives under /run/ptplab/<lab>/.',
  )
  .version('0.1.0')
  .exitOverride()
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })

const backendOpt = () =>
  new Option(
    '--backend <kind>',
    'netns: nodes are network namespaces; docker: nodes are containers (needs a Docker engine); kind: a kind cluster made to look like OpenShift (docs/kind.md)',
  ).default('netns')
const kindOpts = (c: Command) =>
  c
    .option('--provider <p>', 'kind: docker or podman (default: $KIND_EXPERIMENTAL_PROVIDER, else docker)')
    .option('--registry', "kind: kind's local registry recipe (kind-registry on 127.0.0.1:5001) instead of kind load")
    .option('--links <kind>', 'kind: auto (netdevsim where the kernel has it, else veth), veth, netdevsim, netdevsim-patched')
const clockOpt = () =>
  new Option('--clock <mode>', 'shared: every node on the host clock, never steered; independent: every node its own virtual clock that its ptp4l steers (netns backend; docs/clocks.md)').default('shared')
const nameOpt = () => new Option('--name <lab>', 'lab name (default: the only lab that is up)')
const modeOpt = () =>
  new Option('--mode <modes>', `test modes, comma separated: ${MODES.join(', ')} (default: $PTP_TEST_MODE, else oc)`)
const reportOpt = () => new Option('--report <dir>', 'write the run report: DIR/index.html (self-contained), samples.csv, samples.json, junit-<mode>.xml, logs/')
const jsonOpt = () => new Option('--json', 'print one JSON document on stdout (modes, checks with timings, samples summary); the human report goes to stderr')
const reportHelp = `

--report DIR samples every observed slave port twice a second while each mode
runs (read-only metrics) and writes the report when the run ends, also when
it is interrupted; logs are collected into DIR/logs unless COLLECT_POD_LOGS
says otherwise (docs/reports.md). --json prints the same content as JSON.`
const envHelp = `
Modes: oc, bc, dualnicbc, dualfollower (auto-configured: L2 discovery, role solver,
generated PtpConfigs) and discovery (classify and test the PtpConfigs applied with
\`ptplab apply\` to the node labelled ptp/clock-under-test).

Environment (as upstream's conformance suite):
  PTP_TEST_MODE                        OC, BC, DualNICBC, DualFollower, Discovery (when no --mode)
  DISCOVERY_MODE=true                  legacy alias for PTP_TEST_MODE=Discovery
  EXTERNAL_GM=true                     use a grandmaster outside the nodes under test
  MIN_OFFSET_IN_NS, MAX_OFFSET_IN_NS   accepted offset window (lab default -10000, 10000)
  SKIP_INTERFACES=a,b                  interfaces L2 discovery ignores
  KEEP_PTPCONFIG=true                  leave the test PtpConfigs applied afterwards
  PTP_TEST_CONFIG_FILE=FILE            ptptestconfig.yaml (offsets, slave_clock_sync soak test)
  COLLECT_POD_LOGS=true                copy daemon logs to LOG_ARTIFACTS_DIR (default ./test-logs)
  LOG_TEST_MARKERS=false               without test start/end markers
  PTPLAB_SYNC_TIMEOUT_S                how long to wait for sync (default 60)
  PTPLAB_SERVO_WINDOW_S                --clock independent: the servo figures' window (default 8)
  PTPLAB_DEBUG                         any value: stack traces of errors; while waiting for sync, the checks still failing
  L2_DISCOVERY_IMAGE                   on a cluster: the L2 discovery/port-flap agent image
                                       (default $IMG_PREFIX:l2probe, IMG_PREFIX default localhost/ptplab)

On a cluster (--kubeconfig, --context) the suite follows upstream's contract:
namespace openshift-ptp, daemon pods app=linuxptp-daemon, PtpConfigs as
ptp.openshift.io/v1 objects; it deploys its agent DaemonSet in namespace
ptplab-agent for L2 discovery and port flaps and removes it afterwards.`

// Commander passes (args..., options, command); our handlers return an exit code.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const wrap = (fn: (...a: any[]) => Promise<number>) => async (...a: unknown[]) => {
  process.exitCode = await fn(...a)
}

program
  .command('up')
  .description('bring up a lab from a topology file (rolled back if it fails or is interrupted)')
  .option('--topology <file>', 'topology YAML (default: topologies/default.yaml, the upstream 3-worker layout)')
  .option('--name <lab>', 'lab name (default: the name in the topology file)')
  .addOption(backendOpt())
  .addOption(clockOpt())
  .option('--dry-run', 'kind: print the ordered plan (every command, API call and wait, with its done-check and undo) and change nothing')
  .addHelpText(
    'after',
    `
--backend kind runs a plan of steps (docs/kind.md): each step is skipped when
its check says it is done, so a failed or interrupted up is resumed by the
same command; a failure rolls back what the run made except the cluster,
which is kept for the resumed run (ptplab down removes it).`,
  )
  .action(wrap(cmdUp))
kindOpts(program.commands.find((c) => c.name() === 'up')!)

program
  .command('list')
  .alias('ls')
  .description('list the labs on this host: backend, phase, nodes')
  .option('--json', 'machine-readable output')
  .action(wrap(cmdList))

program
  .command('status')
  .description('show nodes, ports, PTP roles, clock state and offsets of a running lab; exit 1 when a daemon, the switch or a port is not healthy')
  .addOption(nameOpt())
  .option('--json', 'machine-readable output (with --watch: one JSON document a line)')
  .option('--watch', 'refresh until Ctrl-C (exit 130): the screen is redrawn on a terminal, frames follow each other otherwise')
  .option('--interval <seconds>', 'with --watch: seconds between refreshes (default 2)')
  .action(wrap(cmdStatus))

program
  .command('test')
  .description('run the conformance suite on a running lab, or on a Kubernetes cluster with the PTP operator (--kubeconfig); exit 0 only if every check passed')
  .addOption(modeOpt())
  .addOption(nameOpt())
  .addOption(kubeconfigOpt())
  .addOption(contextOpt())
  .option('--junit <file>', 'write a JUnit XML report (one file per mode: FILE-<mode>.xml when several)')
  .addOption(reportOpt())
  .addOption(jsonOpt())
  .addHelpText('after', envHelp + reportHelp)
  .action(wrap(cmdTest))

program
  .command('down')
  .description('remove everything a lab made (processes, namespaces, links, files), even after a crash')
  .addOption(nameOpt())
  .action(wrap(cmdDown))

program
  .command('run')
  .description('up, test, down in one go; exit 0 only if every check passed')
  .addOption(modeOpt())
  .option('--topology <file>', 'topology YAML (default: topologies/default.yaml)')
  .option('--name <lab>', 'lab name (default: the name in the topology file)')
  .option('--junit <file>', 'write a JUnit XML report')
  .option('--keep', 'leave the lab running afterwards')
  .addOption(backendOpt())
  .addOption(clockOpt())
  .addOption(reportOpt())
  .addOption(jsonOpt())
  .addHelpText('after', envHelp + reportHelp)
  .action(wrap(cmdRun))
kindOpts(program.commands.find((c) => c.name() === 'run')!)

program
  .command('graph')
  .description('draw the lab: nodes, NICs, ports, links with VLANs; on a running lab also PTP roles, clock states, offsets and the GM chain')
  .option('--topology <file>', 'draw this topology file')
  .addOption(nameOpt())
  .option('--format <format>', 'mermaid, dot, svg or html')
  .option('--out <file>', 'write to this file instead of stdout')
  .addHelpText('after', GRAPH_HELP)
  .action(wrap(cmdGraph))

program
  .command('profiles')
  .description('print the JSON array of PTP profiles a node gets from PtpConfig files ([] when none)')
  .argument('<file...>', 'PtpConfig YAML files (several documents per file allowed)')
  .requiredOption('--node <name>', 'node name')
  .option('--label <key[=value]>', 'a node label (repeatable); matching uses the key only', collectLabel, {})
  .action(wrap(cmdProfiles))

program
  .command('replay-log')
  .description('print the Prometheus metrics the daemon would export after these ptp4l/phc2sys log lines')
  .argument('<logfile>', 'ptp4l/phc2sys output (with or without [ptp4l.N.config] tags)')
  .requiredOption('--node <name>', 'node label value')
  .requiredOption('--config <ptp4l-config>', 'the ptp4l config the log came from (its sections give the port names)')
  .action(wrap(cmdReplayLog))

program
  .command('discover')
  .description('L2 discovery: send 0x88b5 probes from every node port, write <node>.json reports, print the LANs')
  .addOption(nameOpt())
  .option('--out <dir>', 'where the reports go', './l2discovery')
  .addHelpText('after', '\nEnvironment:\n  SKIP_INTERFACES=a,b  interfaces to leave out')
  .action(wrap(cmdDiscover))

program
  .command('solve')
  .description('assign clock roles from L2 discovery reports; exit 1 when no assignment exists')
  .requiredOption('--problem <name>', 'oc, dualfollower, bc, bc-with-slaves, dualnicbc, dualnicbc-with-slaves')
  .option('--external-gm', 'the external-grandmaster variant of the problem')
  .requiredOption('--l2 <dir>', 'directory of <node>.json L2 discovery reports (ptplab discover --out)')
  .addHelpText('after', '\nEnvironment:\n  SKIP_INTERFACES=a,b  interfaces to leave out')
  .action(wrap(cmdSolve))

program
  .command('apply')
  .description('apply PtpConfig YAML (and node labels) to a running lab; the operator then writes every node profile')
  .argument('<file...>', 'PtpConfig YAML files')
  .option('--label <node:key[=value]>', 'also label a node (repeatable), e.g. worker1:ptp/clock-under-test', collectNodeLabel, [])
  .addOption(nameOpt())
  .addOption(kubeconfigOpt())
  .addOption(contextOpt())
  .action(wrap(cmdApply))

program
  .command('delete')
  .description('delete applied PtpConfigs by name')
  .argument('<ptpconfig...>', 'PtpConfig names')
  .addOption(nameOpt())
  .addOption(kubeconfigOpt())
  .addOption(contextOpt())
  .action(wrap(cmdDelete))

program
  .command('label')
  .description('set (KEY[=VALUE]) or remove (KEY-) labels of a node, like kubectl label')
  .argument('<node>', 'node name')
  .argument('<label...>', 'KEY[=VALUE] or KEY-')
  .addOption(nameOpt())
  .addOption(kubeconfigOpt())
  .addOption(contextOpt())
  .action(wrap(cmdLabel))

program
  .command('get')
  .description('list the applied PtpConfigs and the node labels')
  .addOption(nameOpt())
  .addOption(kubeconfigOpt())
  .addOption(contextOpt())
  .action(wrap(cmdGet))

const images = program
  .command('images')
  .description('container images, built locally (no registry needed): the docker backend\'s and the Kubernetes ones')
  .addHelpText('after', imagesHelp)
const prefixOpt = () => new Option('--prefix <prefix>', 'IMG_PREFIX of the Kubernetes images (default localhost/ptplab)')
const onlyOpt = () => new Option('--only <tags>', 'only these Kubernetes images, comma separated (lptpd,ptpop,openvswitch,l2probe)').argParser(splitTags)
images
  .command('build')
  .description(
    'build (or reuse) the images: without --only the lab\'s base, node and switch images and every Kubernetes image; ' +
      'an image is rebuilt only when what it is built from changed',
  )
  .option('--force', 'rebuild even when the images exist')
  .option('--from <image>', 'build FROM this image instead of the local debootstrap base (e.g. debian:bookworm-slim where a registry exists)')
  .addOption(prefixOpt())
  .addOption(onlyOpt())
  .addHelpText('after', imagesHelp)
  .action(wrap(cmdImagesBuild))
images
  .command('save')
  .description('write the Kubernetes images to tarballs (CI artifacts): --out DIR gives DIR/<tag>.tar each, --out FILE one tarball')
  .requiredOption('--out <dir|file>', 'an existing directory (one tarball per image) or a file to write')
  .addOption(prefixOpt())
  .addOption(onlyOpt())
  .action(wrap(cmdImagesSave))
images
  .command('load')
  .description('load image tarballs written by `ptplab images save` (prints the images loaded)')
  .argument('<file...>', 'tarballs')
  .action(wrap(cmdImagesLoad))
images
  .command('push')
  .description('push the Kubernetes images to a registry as HOST[:PORT]/<path>:<tag> (the prefix\'s own registry part replaced)')
  .requiredOption('--registry <host[:port]>', 'the registry, e.g. 127.0.0.1:5000')
  .addOption(prefixOpt())
  .addOption(onlyOpt())
  .action(wrap(cmdImagesPush))

program
  .command('configpair')
  .description("link two network namespaces or containers with a veth or netdevsim pair (upstream's configpair.sh)")
  .helpOption(false)
  .allowUnknownOption()
  .argument('[args...]', 'ID1 ID2 IFNAME CLK1 CLK2 CONTAINER1 CONTAINER2 [PCI1 PCI2] [--kind veth|netdevsim] (--help for details)')
  .action(wrap((args: string[]) => cmdConfigpair(args)))

addVmCommands(program)

try {
  await program.parseAsync()
} catch (e) {
  reportError(e)
  process.exitCode = exitCodeFor(e)
}
// Done: do not wait for idle keep-alive sockets (Docker API) to time out.
process.exit(process.exitCode ?? 0)
