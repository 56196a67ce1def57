// Headless Chromium for the report and graph tests: Debian's chromium
// driven by playwright-core (no browser download), every non-file request
// refused and recorded, screenshots under test-logs/report-browser/ (the
// CI artifact dir).
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { projectRoot } from '../../lab/paths.js'

export const CHROMIUM = '/usr/bin/chromium'
export const noChromium = !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM} (Debian package chromium; scripts/setup.sh installs it)`
export const SHOTS = join(projectRoot(), 'test-logs', 'report-browser')

export async function browser(t: Test): Promise<{ ctx: BrowserContext; page: Page; offsite: string[] }> {
  const profile = mkdtempSync(join(tmpdir(), 'ptplab-chromium-'))
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1120, height: 900 },
  })
  t.teardown(async () => {
    await ctx.close()
    rmSync(profile, { recursive: true, force: true })
  })
  // The pages must need nothing but their own file.
  const offsite: string[] = []
  await ctx.route('**/*', (route) => {
    const url = route.request().url()
    if (url.startsWith('file://')) return route.continue()
    offsite.push(url)
    return route.abort()
  })
  return { ctx, page: await ctx.newPage(), offsite }
}
