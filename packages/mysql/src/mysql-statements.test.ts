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
    expect(placeholders(sql.publishBatch)).toBe(3);
    expect(placeholders(sql.writeSnapshot)).toBe(6);
    expect(placeholders(sql.readSnapshot)).toBe(1);
    expect(sql.insertEvents(3)).toBe(sql.insertEvents(3));
  });

  it('creates the publish procedure in a migration of its own, which replaces it and pins sql_mode', () => {
    const sql = mysqlStatements('db', 'p_');
    const migration = sql.migrations('utf8mb4_nopad_bin').find(({ version }) => version === 3);
    const [mode, drop, create] = migration?.statements ?? [];
    expect(mode).toMatch(/^SET SESSION sql_mode = 'STRICT_ALL_TABLES,/);
    expect(drop).toBe('DROP PROCEDURE IF EXISTS `db`.`p_publish_batch`');
    expect(create).toMatch(/^CREATE PROCEDURE `db`.`p_publish_batch`\(/);
    expect(sql.publishBatch).toBe('CALL `db`.`p_publish_batch`(?, ?, ?)');
    // Values arrive only through its arguments; no double-quoted literals (ANSI_QUOTES).
    expect(create).not.toMatch(/\?/);
    const code = create?.replace(/--.*$/gm, '').replace(/'[^']*'/g, '');
    expect(code).not.toMatch(/"/);
    expect(create).toContain('`db`.`p_Head`');
  });
});
