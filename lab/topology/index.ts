export * from './model.js'
export { fieldPath, loadTopologyFile, parseTopology, validName } from './load.js'
