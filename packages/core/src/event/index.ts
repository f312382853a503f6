export {
  defineEvent,
  type LatestDeclaration,
  type Upcaster,
  type UpcasterChain,
  type VersionedEvent,
  type VersionsDeclaration,
} from './define-event.js';
export {
  defineEvents,
  type EventDefinition,
  type EventDefinitions,
  type EventDetails,
  type EventInput,
  type EventJsonSchema,
  type EventName,
  EventRegistry,
  type EventSchema,
  type EventSchemas,
  type SchemaOf,
  type SchemasOf,
  type UpcastOrigin,
} from './event-registry.js';
export {
  type JsonSchema,
  type JsonSchemaOptions,
  type JsonValue,
  jsonSchemaDialect,
  jsonSchemaOf,
} from './json-schema-of.js';
export { toJsonText } from './json-text.js';
export { fromProtocolTimestamp, toProtocolTimestamp } from './timestamp.js';
export { uuidV7 } from './uuid-v7.js';
