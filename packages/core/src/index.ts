export * from './aggregate/index.js';
export * from './errors/index.js';
export * from './event/index.js';
export * from './provider/index.js';
export * from './store/index.js';
