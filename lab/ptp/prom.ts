// The three prom-client classes the exporter uses, loaded from their own
// files: prom-client's index also loads its default process metrics, the
// cluster aggregator and the pushgateway (and through them
// @opentelemetry/api), about a third of a daemon's start-up, which a lab of
// 64 nodes pays 64 times.
import { createRequire } from 'node:module'
import type * as P from 'prom-client'

const require = createRequire(import.meta.url)
export const Registry = require('prom-client/lib/registry') as typeof P.Registry
export const Gauge = require('prom-client/lib/gauge') as typeof P.Gauge
export const Counter = require('prom-client/lib/counter') as typeof P.Counter
export type Registry = P.Registry
export type Gauge<T extends string = string> = P.Gauge<T>
export type Counter<T extends string = string> = P.Counter<T>
