import { describe, expect, it } from 'vitest';
import {
  isDuplicateKeyError,
  isMissingProcedureError,
  isRetryableMysqlError,
} from './mysql-errors.js';

const driverError = (errno: number) => Object.assign(new Error('driver'), { errno });

describe('isRetryableMysqlError', () => {
  it('retries deadlocks and lock wait timeouts only', () => {
    expect(isRetryableMysqlError(driverError(1213))).toBe(true);
    expect(isRetryableMysqlError(driverError(1205))).toBe(true);
    for (const other of [driverError(1062), driverError(2013), new Error('x'), null, undefined]) {
      expect(isRetryableMysqlError(other)).toBe(false);
    }
  });

  it('tells a missing procedure apart: a migration replacing it, or none run', () => {
    expect(isMissingProcedureError(driverError(1305))).toBe(true);
    expect(isMissingProcedureError(driverError(1213))).toBe(false);
    expect(isMissingProcedureError(new Error('x'))).toBe(false);
  });

  it('tells a duplicate key apart: a checkpoint or a lease someone else wrote first', () => {
    expect(isDuplicateKeyError(driverError(1062))).toBe(true);
    expect(isDuplicateKeyError(driverError(1213))).toBe(false);
    expect(isDuplicateKeyError(new Error('x'))).toBe(false);
  });
});
