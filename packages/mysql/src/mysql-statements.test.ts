import { isFactlineError } from '@factline/core';
import { describe, expect, it } from 'vitest';
import { checkIdentifier, mysqlStatements } from './mysql-statements.js';

describe('mysqlStatements', () => {
  it('quotes table names with backticks, qualified by the database when one is given', () => {
    expect(mysqlStatements(undefined, '').getEntity).toBe(
      'SELECT id, type, version FROM `Entities` WHERE id = ?',
    );
    expect(mysqlStatements('shop', 'app_').getEntity).toBe(
      'SELECT id, type, version FROM `shop`.`app_Entities` WHERE id = ?',
    );
  });

  it.each(['', '1st', 'my-db', 'a`b', 'a b', 'x;DROP', 'é'])('refuses the name %j', (name) => {
    let thrown: unknown;
    try {
      checkIdentifier(name, 'database');
    } catch (error) {
      thrown = error;
    }
    expect(isFactlineError(thrown, 'INVALID_ARGUMENT')).toBe(true);
    expect(() => mysqlStatements(undefined, name === '' ? '-' : name)).toThrow(/tablePrefix/);
  });

  it('takes every value as a parameter: one placeholder per value of each statement shape', () => {
    const sql = mysqlStatements('db', 'p_');
    const placeholders = (text: string) => text.split('?').length - 1;
    expect(placeholders(sql.insertEvents(3))).toBe(30);
    expect(placeholders(sql.insertCommands(2))).toBe(6);
    expect(placeholders(sql.insertEntities(4))).toBe(12);
    expect(placeholders(sql.setVersions(2))).toBe(8);
    expect(placeholders(sql.lockEntities(8))).toBe(8);
    expect(placeholders(sql.findCommands(4))).toBe(4);
    expect(placeholders(sql.writeSnapshot)).toBe(6);
    expect(placeholders(sql.readSnapshot)).toBe(1);
    expect(sql.insertEvents(3)).toBe(sql.insertEvents(3));
  });
});
