export * from './model.js'
export { fieldPath, loadTopologyFile, parseTopology } from './load.js'
