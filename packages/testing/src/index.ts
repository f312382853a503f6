export type {
  ConformanceHarness,
  ConformanceWorker,
  ConformanceWorkerModule,
  JsonValue,
} from './conformance/conformance-harness.js';
export { describeProviderConformance } from './conformance/describe-provider-conformance.js';
