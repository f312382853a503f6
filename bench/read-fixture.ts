/**
 * The read rows' fixture, written once by factline in each section:
 * 10,000 one-event publications over the write rows' 100 entities, and one
 * more entity of 10,000 events in publications of 10.
 */
import { eventCount } from './event-log-sizes.js';

/** The entity of 10,000 events that readEntity reads. */
export const bigEntity = 'product-big';
/** Events in the fixture's log, which readAll reads. */
export const fixtureLogSize = 2 * eventCount;
/** Publications (positions) in the fixture's log. */
export const fixturePositions = eventCount + eventCount / 10;
