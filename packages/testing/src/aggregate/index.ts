export type {
  AggregateExpectation,
  AsyncAggregateExpectation,
  ErrorClass,
  ExpectedEvents,
} from './aggregate-expectation.js';
export { type GivenAggregate, type GivenEvent, given } from './given.js';
