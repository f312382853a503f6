export {
  type AggregateExpectation,
  type AsyncAggregateExpectation,
  type ErrorClass,
  type ExpectedEvents,
  type GivenAggregate,
  type GivenEvent,
  given,
} from './aggregate/index.js';
export type {
  ConformanceHarness,
  ConformanceReadModel,
  ConformanceWorker,
  ConformanceWorkerModule,
  JsonValue,
} from './conformance/conformance-harness.js';
export { describeProviderConformance } from './conformance/describe-provider-conformance.js';
