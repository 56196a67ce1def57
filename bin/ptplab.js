#!/usr/bin/env node
// The ptplab CLI; the code is compiled to dist/ by `npm run build`.
import { existsSync } from 'node:fs'
const entry = new URL('../dist/cli/main.js', import.meta.url)
if (!existsSync(entry)) {
  console.error('ptplab is not built: run `npm run build` (or `npm test`, which builds) first')
  process.exit(2)
}
await import(entry.href)
