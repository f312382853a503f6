export type { ProjectionHandlers, ReactorHandlers } from './projection-handlers.js';
export type {
  CatchUpResult,
  ErrorReport,
  HandlerRetryPolicy,
  PageReport,
  ProjectorHooks,
  ProjectorLag,
  ProjectorState,
  ProjectorStatus,
  RebuildProgress,
  RunOptions,
} from './projection-options.js';
export { Projector, type ProjectorConfig } from './projector.js';
export { Reactor, type ReactorConfig } from './reactor.js';
