export {
  defineEvents,
  type EventDetails,
  type EventInput,
  type EventName,
  EventRegistry,
  type EventSchema,
  type EventSchemas,
  type SchemasOf,
} from './event-registry.js';
export { toJsonText } from './json-text.js';
export { fromProtocolTimestamp, toProtocolTimestamp } from './timestamp.js';
export { uuidV7 } from './uuid-v7.js';
