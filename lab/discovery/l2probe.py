#!/usr/bin/env python3
"""ptplab L2 probe agent: which source MACs reach each interface of one node.

Run inside one node's network namespace, as root:

    ip netns exec ptplab-<lab>.<node> python3 l2probe.py --node <node> --duration 1.5

It does what upstream's l2discovery agent does (redhat-best-practices-for-k8s/
l2discovery), once and for a bounded window instead of forever: from every Ethernet interface it
broadcasts probe frames of ethertype 0x88b5, and records per interface the
source MACs of the 0x88b5 frames it receives and whether (and from whom) PTP
frames (0x88f7) arrived. It prints ONE JSON object on stdout:

    { "<ifname>": { "mac": "02:AB:CD:01:01:00", "ifindex": 5, "up": true,
                    "operstate": "up", "carrier": 1,
                    "probes": ["<MAC>", ...], "ptp": true, "ptpFrom": ["<MAC>"],
                    "sent": 3, "sendError": null, "recvError": null } }

With --report-loop it runs as upstream's agent does in a Kubernetes pod (a
privileged hostNetwork DaemonSet): it probes every --interval seconds, forever,
and after each round prints one line "JSON_REPORT <report>" with everything
heard so far, in upstream's report format (88b5/88f7 -> interface ->
Local/Remote, Local with IfPci from sysfs and IfPTPCaps from the kernel's
timestamping info); the suite reads the last such line of each pod's log.

Only the Python 3 standard library is used: AF_PACKET raw sockets are how the
project sends and receives raw frames without a native Node addon. No IP is
ever used: frames are plain Ethernet, broadcast on the local segment only.
Exit status: 0 report printed, 1 runtime error (message on stderr), 2 usage.
"""

import argparse
import ctypes
import errno
import fcntl
import json
import os
import re
import select
import socket
import struct
import sys
import time

# Linux constants that the socket module does not export (linux/if_ether.h,
# linux/if_packet.h, linux/if_arp.h).
ETH_P_ALL = 0x0003  # every protocol: we filter ethertypes ourselves
ETH_P_PROBE = 0x88B5  # IEEE "local experimental" ethertype, as upstream
ETH_P_PTP = 0x88F7  # PTP over Ethernet (IEEE 1588 annex F)
VLAN_TPIDS = (0x8100, 0x88A8)  # 802.1Q / 802.1ad tags that may precede it
SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_ALLMULTI = 2
PACKET_OUTGOING = 4  # sll_pkttype of frames this host sent
ARPHRD_ETHER = 1
BROADCAST = b"\xff" * 6
MAGIC = b"PTPLAB-L2PROBE"
MIN_FRAME = 60  # minimum Ethernet frame without FCS: shorter ones get padded
# Probe send times (seconds after start, or after the go signal of the start
# barrier) within the default 1.5 s window: without the barrier, early enough
# that an agent started up to ~0.7 s later still hears the last probe, and
# every agent keeps listening for 0.7 s after its own last probe.
SEND_AT = (0.1, 0.4, 0.8)


class AgentError(Exception):
    """A failure worth one clear line on stderr and exit status 1."""


def fmt_mac(raw):
    """6 bytes -> "F4:03:43:D1:70:A0" (upper case, as upstream reports)."""
    return ":".join("%02X" % b for b in raw)


def read_sys(name, attr):
    """A /sys/class/net attribute as text, or None when the kernel refuses
    it (e.g. `carrier` of an administratively down interface is EINVAL)."""
    try:
        with open(os.path.join("/sys/class/net", name, attr)) as f:
            return f.read().strip()
    except OSError:
        return None


def list_interfaces(skip):
    """The Ethernet interfaces of this namespace, sorted by name.

    Names and indexes come from the kernel of *this* network namespace
    (if_nameindex works through a socket, which is per namespace); /sys only
    supplies attributes. /sys/class/net shows the namespace that mounted
    sysfs, which is ours only when started through `ip netns exec` (it
    remounts /sys): a mismatch means attributes would be another
    namespace's, so we refuse instead of reporting wrong data.
    """
    kernel = {name: idx for idx, name in socket.if_nameindex()}
    out = []
    for name in sorted(kernel):
        # lo is not a port; other non-Ethernet devices (tun, ip tunnels)
        # cannot carry Ethernet probe frames, so they are not reported either.
        if name == "lo" or name in skip:
            continue
        sys_index = read_sys(name, "ifindex")
        if sys_index is None or int(sys_index) != kernel[name]:
            raise AgentError(
                "/sys/class/net does not show this network namespace (interface %s); "
                "run the agent with `ip netns exec <ns> ...`, which remounts /sys" % name
            )
        if read_sys(name, "type") != str(ARPHRD_ETHER):
            continue
        mac = read_sys(name, "address") or ""
        operstate = read_sys(name, "operstate") or "unknown"
        carrier = read_sys(name, "carrier")
        carrier = int(carrier) if carrier in ("0", "1") else None
        flags = int(read_sys(name, "flags") or "0", 16)
        # Upstream reports IfUp = (operstate == "UP"). Drivers that do not
        # track operstate say "unknown"; then an admin-up port (IFF_UP) with
        # carrier counts as up. A lab port whose veth peer is down (the
        # "unplugged" ports) has carrier 0 and reports "down" (measured on
        # kernel 6.18; older kernels may say "lowerlayerdown"), an admin-down port
        # "down": neither is up.
        up = operstate == "up" or (operstate == "unknown" and bool(flags & 1) and carrier == 1)
        out.append({
            "name": name,
            "ifindex": kernel[name],
            "mac": mac.upper(),
            "macRaw": bytes.fromhex(mac.replace(":", "")) if mac else b"",
            "up": up,
            "operstate": operstate,
            "carrier": carrier,
        })
    return out


def open_socket(iface):
    """A raw socket that sees every frame of exactly one interface.

    Created with protocol 0 (receives nothing) and only then bound to
    (iface, ETH_P_ALL): a socket created with ETH_P_ALL would queue frames of
    *all* interfaces until bind() narrows it, and those would be misattributed.
    """
    try:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    except PermissionError:
        raise AgentError("cannot open AF_PACKET raw sockets: needs root (CAP_NET_RAW)")
    try:
        # Python converts the protocol in the address to network order itself.
        s.bind((iface["name"], ETH_P_ALL))
    except OSError as e:
        s.close()
        raise AgentError("cannot bind a raw socket to %s: %s" % (iface["name"], e.strerror or e))
    s.setblocking(False)
    # PTP uses multicast destinations (01:1B:19:00:00:00, 01:80:C2:00:00:0E)
    # that a real NIC filters out unless someone joined them; all-multicast
    # lets them in. The membership belongs to this socket and ends when it is
    # closed, so nothing about the interface is left changed. Harmless on
    # veth (no filter); failure only weakens PTP detection, so not fatal.
    mreq = struct.pack("iHH8s", iface["ifindex"], PACKET_MR_ALLMULTI, 0, b"")
    try:
        s.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq)
    except OSError as e:
        print("l2probe: warning: %s: all-multicast not enabled: %s" % (iface["name"], e), file=sys.stderr)
    return s


def probe_frame(iface, node):
    """Broadcast 0x88b5 frame from the interface's own MAC.

    Broadcast so every port of the L2 segment (the switch floods it within the
    VLAN) receives it; the payload names the sender for anyone reading a
    capture, and the frame is padded to the 60-byte Ethernet minimum.
    """
    payload = MAGIC + b"\x00" + ("node=%s if=%s" % (node, iface["name"])).encode()
    frame = BROADCAST + iface["macRaw"] + struct.pack("!H", ETH_P_PROBE) + payload
    return frame.ljust(MIN_FRAME, b"\x00")


def ethertype(frame):
    """Ethertype after any 802.1Q/802.1ad tags. Usually the kernel has already
    moved the VLAN tag into packet metadata (rx VLAN offload, also on veth),
    so the frame we read is untagged; tags still in the frame are skipped."""
    off = 12
    et = struct.unpack_from("!H", frame, off)[0]
    while et in VLAN_TPIDS and len(frame) >= off + 6:
        off += 4
        et = struct.unpack_from("!H", frame, off)[0]
    return et


def wait_for_go(socks, armed_file, go_file, timeout):
    """The start barrier: say "armed" (every socket is open and listening),
    then wait until the coordinator says go, draining meanwhile. With all
    agents armed before any sends, every probe is heard however far apart
    the agents started (on a loaded host with many nodes, seconds apart)."""
    with open(armed_file, "w"):
        pass
    deadline = time.monotonic() + timeout
    while not os.path.exists(go_file):
        if time.monotonic() > deadline:
            raise AgentError("no go signal (%s) within %.0f s of arming" % (go_file, timeout))
        readable, _, _ = select.select(list(socks), [], [], 0.05)
        for s in readable:
            drain(s, socks[s])


def run(ifaces, node, duration, barrier=None):
    """Open every socket first (so nothing sent by a neighbour is missed once
    the window starts), then one select loop: send at the scheduled times,
    drain whatever arrived, stop at the window's end. One thread, no timers."""
    socks = {}
    try:
        for iface in ifaces:
            socks[open_socket(iface)] = iface
        for iface in ifaces:
            iface.update(probes=set(), ptpFrom=set(), sent=0, sendError=None, recvError=None)
        frames = {s: probe_frame(i, node) for s, i in socks.items()}
        if barrier:
            wait_for_go(socks, *barrier)

        t0 = time.monotonic()
        # Spread the probes over the first part of the window; with a short
        # window, send once at its first quarter.
        pending = [t for t in SEND_AT if t <= duration * 0.6] or [duration / 4]
        end = t0 + duration
        while True:
            now = time.monotonic()
            if pending and now - t0 >= pending[0]:
                pending.pop(0)
                for s, iface in socks.items():
                    try:
                        s.send(frames[s])
                        iface["sent"] += 1
                    except OSError as e:
                        # ENETDOWN (admin down) / ENOBUFS etc.: the port just
                        # cannot be heard; reported, not fatal.
                        iface["sendError"] = errno.errorcode.get(e.errno, str(e))
                continue
            if now >= end:
                break
            wake = min(end, t0 + pending[0]) if pending else end
            readable, _, _ = select.select(list(socks), [], [], max(0.0, wake - now))
            for s in readable:
                drain(s, socks[s])
    finally:
        for s in socks:
            s.close()


def drain(s, iface):
    while True:
        try:
            frame, addr = s.recvfrom(65535)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            # A socket bound to an admin-down interface carries a pending
            # ENETDOWN (the kernel sets it at bind time), reported once here;
            # ENXIO/ENODEV if the interface vanished. The port simply hears
            # nothing: recorded, not fatal.
            if e.errno in (errno.ENETDOWN, errno.ENXIO, errno.ENODEV):
                iface["recvError"] = errno.errorcode.get(e.errno, str(e))
                return
            raise
        # addr = (ifname, proto, pkttype, hatype, mac). Our own transmissions
        # (and those of any other sender on this host, e.g. ptp4l) come back
        # as PACKET_OUTGOING: they say nothing about what the wire delivers.
        if addr[2] == PACKET_OUTGOING or len(frame) < 14:
            continue
        src = frame[6:12]
        if src == iface["macRaw"]:
            continue  # a reflection of our own frame is not a neighbour
        et = ethertype(frame)
        # Any 0x88b5 frame counts, not only ours (magic payload): upstream's
        # agent sends header-only probes and we want to hear those too.
        if et == ETH_P_PROBE:
            iface["probes"].add(fmt_mac(src))
        elif et == ETH_P_PTP:
            iface["ptpFrom"].add(fmt_mac(src))


# ---- the Kubernetes agent (--report-loop) --------------------------------

SIOCETHTOOL = 0x8946
ETHTOOL_GET_TS_INFO = 0x41
SOF_TIMESTAMPING_TX_HARDWARE = 1 << 0
SOF_TIMESTAMPING_RX_HARDWARE = 1 << 2
SOF_TIMESTAMPING_RAW_HARDWARE = 1 << 6
PCI_ADDR = re.compile(r"^([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2})\.([0-7])$")


def pci_of(name):
    """PCI Device ("0000:1f:01") and Function ("0") of an interface, from the
    sysfs device link; empty for virtual devices."""
    try:
        dev = os.path.basename(os.path.realpath(os.path.join("/sys/class/net", name, "device")))
    except OSError:
        dev = ""
    m = PCI_ADDR.match(dev)
    return (m.group(1), m.group(2)) if m else ("", "")


def ts_caps(name):
    """What `ethtool -T` shows: hardware tx/rx/raw timestamping and the PHC
    index, from the ETHTOOL_GET_TS_INFO ioctl (struct ethtool_ts_info)."""
    info = ctypes.create_string_buffer(struct.pack("=IIi", ETHTOOL_GET_TS_INFO, 0, -1) + bytes(32))
    ifr = struct.pack("16sP", name.encode()[:15], ctypes.addressof(info)).ljust(40, b"\x00")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifr)
        _, flags, phc = struct.unpack_from("=IIi", info.raw)
    except OSError:
        flags, phc = 0, -1
    finally:
        s.close()
    return {
        "HwRx": bool(flags & SOF_TIMESTAMPING_RX_HARDWARE),
        "HwTx": bool(flags & SOF_TIMESTAMPING_TX_HARDWARE),
        "HwRawClock": bool(flags & SOF_TIMESTAMPING_RAW_HARDWARE),
        "PhcIndex": phc,
    }


def upstream_report(ifaces):
    """Upstream's report shape for what was heard so far."""
    rep = {"88b5": {}, "88f7": {}}
    for i in ifaces:
        device, function = pci_of(i["name"])
        local = {
            "IfName": i["name"],
            "IfMac": {"Data": i["mac"]},
            "IfIndex": i["ifindex"],
            "IfPci": {"Device": device, "Function": function, "Description": "", "Subsystem": ""},
            "IfPTPCaps": ts_caps(i["name"]),
            "IfUp": i["up"],
        }
        if i["probes"]:
            rep["88b5"][i["name"]] = {"Local": local, "Remote": {m: True for m in sorted(i["probes"])}}
        if i["ptpFrom"]:
            rep["88f7"][i["name"]] = {"Local": dict(local), "Remote": {m: True for m in sorted(i["ptpFrom"])}}
    return rep


def report_loop(ifaces, node, interval, rounds=None):
    """Probe every `interval` seconds and print the cumulative report after
    each round, until killed (or after `rounds`, for tests)."""
    socks = {}
    try:
        for iface in ifaces:
            socks[open_socket(iface)] = iface
            iface.update(probes=set(), ptpFrom=set(), sent=0, sendError=None, recvError=None)
        frames = {s: probe_frame(i, node) for s, i in socks.items()}
        n = 0
        while rounds is None or n < rounds:
            n += 1
            for s, iface in socks.items():
                try:
                    s.send(frames[s])
                except OSError as e:
                    iface["sendError"] = errno.errorcode.get(e.errno, str(e))
            end = time.monotonic() + interval
            while True:
                left = end - time.monotonic()
                if left <= 0:
                    break
                readable, _, _ = select.select(list(socks), [], [], left)
                for s in readable:
                    drain(s, socks[s])
            sys.stdout.write("JSON_REPORT " + json.dumps(upstream_report(ifaces), sort_keys=True) + "\n")
            sys.stdout.flush()
    finally:
        for s in socks:
            s.close()


def main(argv=None):
    ap = argparse.ArgumentParser(description="ptplab L2 probe agent (run inside one node's network namespace)")
    ap.add_argument("--duration", type=float, default=1.5, help="listening window in seconds (default 1.5)")
    ap.add_argument("--node", default="", help="node name, carried in the probe payload")
    ap.add_argument("--skip", action="append", default=[],
                    help="interfaces to leave alone (comma separated, repeatable): neither probed nor reported")
    ap.add_argument("--armed-file", help="with --go-file: create this file once listening, then wait for --go-file")
    ap.add_argument("--go-file", help="start sending when this file exists (all agents armed)")
    ap.add_argument("--go-timeout", type=float, default=120, help="seconds to wait for --go-file (default 120)")
    ap.add_argument("--report-loop", action="store_true",
                    help="run as a Kubernetes agent: probe every --interval s and print JSON_REPORT lines, forever")
    ap.add_argument("--interval", type=float, default=2.0, help="with --report-loop: seconds per round (default 2)")
    ap.add_argument("--rounds", type=int, help="with --report-loop: stop after this many rounds")
    a = ap.parse_args(argv)
    if bool(a.armed_file) != bool(a.go_file):
        ap.error("--armed-file and --go-file go together")
    if not 0.2 <= a.duration <= 60:
        ap.error("--duration must be between 0.2 and 60 seconds")
    skip = {n.strip() for item in a.skip for n in item.split(",") if n.strip()}
    try:
        if os.geteuid() != 0:
            raise AgentError("needs root (raw AF_PACKET sockets); run as root via ip netns exec")
        ifaces = list_interfaces(skip)
        if a.report_loop:
            report_loop(ifaces, a.node or os.environ.get("NODE_NAME", ""), a.interval, a.rounds)
            return 0
        run(ifaces, a.node, a.duration, (a.armed_file, a.go_file, a.go_timeout) if a.go_file else None)
    except AgentError as e:
        print("l2probe: error: %s" % e, file=sys.stderr)
        return 1
    except OSError as e:
        print("l2probe: error: %s" % e, file=sys.stderr)
        return 1
    report = {
        i["name"]: {
            "mac": i["mac"],
            "ifindex": i["ifindex"],
            "up": i["up"],
            "operstate": i["operstate"],
            "carrier": i["carrier"],
            "probes": sorted(i["probes"]),
            "ptp": bool(i["ptpFrom"]),
            "ptpFrom": sorted(i["ptpFrom"]),
            "sent": i["sent"],
            "sendError": i["sendError"],
            "recvError": i["recvError"],
        }
        for i in ifaces
    }
    sys.stdout.write(json.dumps(report, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
