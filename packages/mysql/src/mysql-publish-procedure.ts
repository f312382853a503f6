/** The quoted names of the tables the procedure writes. */
export interface PublishProcedureTables {
  readonly entities: string;
  readonly events: string;
  readonly commands: string;
  readonly head: string;
}

/**
 * `CREATE PROCEDURE name(entities, lockIds, events)`: writes a batch of
 * publications in one transaction, so that one CALL — one round trip, one
 * commit — serves the whole batch. Its arguments are JSON text built by
 * `planBatchCalls` (mysql-batch-calls.ts), which documents their shape;
 * values reach it only through them.
 *
 * - It sets READ COMMITTED for its own transaction (no gap locks, and each
 *   read sees the latest commits), leaving the session's level alone.
 * - `lockIds`, when given, are the batch's entity ids in one fixed order: it
 *   locks the ones that exist in that order first, so two batches never wait
 *   for each other in a circle.
 * - Each publication, in batch order: claims its command id (a stored one
 *   makes it a duplicate; a concurrent claim makes it wait for that commit),
 *   then compare-and-sets each entity — `UPDATE … WHERE version = expected
 *   AND type = type`, or an `INSERT` for a new one, judged by `ROW_COUNT()`
 *   or a duplicate key. A refused publication is rolled back to its
 *   savepoint, and only it: the batch goes on.
 * - Then, as the last step before inserting, `Head` moves on by the number of
 *   published publications, and stays locked until commit: positions are
 *   contiguous and in commit order.
 * - The events go in with one `INSERT … SELECT FROM JSON_TABLE`. The client
 *   computed their ordinals from each publication's expected version, exact
 *   whenever it is published; only an `'any'` entity's first ordinal comes
 *   from here. `details` and `metadata` travel as JSON strings and come out
 *   as the exact text core serialised: no JSON function re-serialises them.
 * - It commits and returns one row: the first new position (`NULL` when none),
 *   the refused and duplicate publications, and each `'any'` entity's first
 *   ordinal (see mysql-batch-outcomes.ts); the straight path below, the first
 *   position alone. Published is the rule, so a batch without exceptions
 *   builds no outcome text.
 *
 * When `events` is `NULL`, the caller inserts the events itself (a publication
 * too large for one packet): the procedure then leaves its transaction open,
 * `Head` locked, for the caller to insert and commit.
 *
 * Every statement of the body costs time on each call, so there are few:
 * a batch of one publication of one entity (all a lone writer makes) goes a
 * straight way through the outer block, and only other batches, or that one
 * when refused, enter the general block with its variables and loop;
 * outcomes are built only for exceptions; a cursor, which copies its rows
 * into a temporary table, is opened only for several rows.
 * The body uses only single-quoted literals and no `||`, and migrations
 * create it under a fixed `sql_mode`, so the session's modes change nothing.
 *
 * @param name The procedure's quoted name.
 * @param tables The quoted table names.
 * @param collation The collation of the tables' text columns: the procedure
 *   compares ids in it.
 * @returns The `CREATE PROCEDURE` statement.
 */
export function publishProcedure(
  name: string,
  tables: PublishProcedureTables,
  collation: string,
): string {
  const { entities, events, commands, head } = tables;
  const text = `CHARACTER SET utf8mb4 COLLATE ${collation}`;
  const eventColumns =
    '(entity_id, name, details, actor, `timestamp`, ordinal, `position`, id, schema_version, metadata)';
  // One entity of one publication, as planBatchCalls writes it.
  const entityRow = `SELECT w.n, w.publication, w.command_id, w.entity_count, w.entity_index,
           w.entity_id, w.entity_type, w.expected, w.event_count`;
  const entityRows = `FROM JSON_TABLE(p_entities, '$[*]' COLUMNS (
      n FOR ORDINALITY,
      publication INT PATH '$[0]',
      command_id VARCHAR(255) ${text} PATH '$[1]',
      entity_count INT PATH '$[2]',
      entity_index INT PATH '$[3]',
      entity_id VARCHAR(255) ${text} PATH '$[4]',
      entity_type VARCHAR(255) ${text} PATH '$[5]',
      expected BIGINT PATH '$[6]',
      event_count INT PATH '$[7]')) AS w`;
  const intoEntity = `v_row, v_publication, v_command, v_entity_count, v_entity_index,
        v_id, v_type, v_expected, v_count`;
  // The events of one entity of one publication, as planBatchCalls writes them.
  const nestedEvents = `NESTED PATH '$[6][*]' COLUMNS (
            event_index FOR ORDINALITY,
            name VARCHAR(255) ${text} PATH '$[0]',
            details LONGTEXT ${text} PATH '$[1]',
            id CHAR(36) CHARACTER SET ascii PATH '$[2]',
            schema_version INT PATH '$[3]',
            metadata MEDIUMTEXT ${text} PATH '$[4]')`;
  const eventRows = `FROM JSON_TABLE(p_events, '$[*]' COLUMNS (
          publication INT PATH '$[0]',
          entity_id VARCHAR(255) ${text} PATH '$[1]',
          ordinal BIGINT PATH '$[2]',
          any_index INT PATH '$[3]',
          actor TEXT ${text} PATH '$[4]',
          event_timestamp DOUBLE PATH '$[5]',
          ${nestedEvents})) AS e`;
  // The straight path's reads: only the columns it uses, each column costs on every row.
  const onlyEntity = `FROM JSON_TABLE(p_entities, '$[*]' COLUMNS (
        command_id VARCHAR(255) ${text} PATH '$[1]',
        entity_id VARCHAR(255) ${text} PATH '$[4]',
        entity_type VARCHAR(255) ${text} PATH '$[5]',
        expected BIGINT PATH '$[6]',
        event_count INT PATH '$[7]')) AS w`;
  const onlyEntityEvents = `FROM JSON_TABLE(p_events, '$[*]' COLUMNS (
            ordinal BIGINT PATH '$[2]',
            actor TEXT ${text} PATH '$[4]',
            event_timestamp DOUBLE PATH '$[5]',
            ${nestedEvents})) AS e`;
  const eventOrdinal = `e.ordinal + e.event_index - 1 + IF(e.any_index IS NULL, 0,
                 JSON_VALUE(CONCAT('[', SUBSTRING(v_any_firsts, 2), ']'), CONCAT('$[', e.any_index, ']')))`;
  // An 'any' entity moves on from whatever version it has; v_first stays NULL when it has none.
  const anyEntityUpdate = `UPDATE ${entities} SET version = LAST_INSERT_ID(version + v_count)
            WHERE id = v_id AND type = v_type;
          IF ROW_COUNT() = 1 THEN
            SET v_first = LAST_INSERT_ID() - v_count + 1;
          END IF;`;
  const refusedPublications = `JSON_TABLE(CONCAT('[', SUBSTRING(v_exceptions, 2), ']'),
                 '$[*]' COLUMNS (publication INT PATH '$[0]')) AS x`;
  return `CREATE PROCEDURE ${name}(
  IN p_entities LONGTEXT CHARACTER SET utf8mb4,
  IN p_lock_ids LONGTEXT CHARACTER SET utf8mb4,
  IN p_events LONGTEXT CHARACTER SET utf8mb4)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'factline: writes a batch of publications (@factline/mysql)'
body: BEGIN
  DECLARE v_duplicate BOOLEAN DEFAULT FALSE;
  DECLARE v_count INT DEFAULT 0;
  DECLARE v_command, v_id, v_type VARCHAR(255) ${text};
  DECLARE v_expected, v_first, v_first_position BIGINT;
  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    RESIGNAL;
  END;

  SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
  START TRANSACTION;

  -- One publication of one entity, the only shape a lone writer makes, goes
  -- straight through: every statement costs on each call. When it is refused
  -- it wrote nothing, and goes the general way, which says why.
  IF JSON_LENGTH(p_entities) = 1 AND p_events IS NOT NULL THEN
    SELECT w.command_id, w.entity_id, w.entity_type, w.expected, w.event_count
      INTO v_command, v_id, v_type, v_expected, v_count
      ${onlyEntity};
    IF v_command IS NULL THEN
      IF v_expected >= 0 THEN
        UPDATE ${entities} SET version = version + v_count
          WHERE id = v_id AND version = v_expected AND type = v_type;
        SET v_first = IF(ROW_COUNT() = 1, v_expected + 1, NULL);
      ELSEIF v_expected = -1 THEN
        BEGIN
          DECLARE CONTINUE HANDLER FOR 1062 SET v_duplicate = TRUE;
          INSERT INTO ${entities} (id, type, version) VALUES (v_id, v_type, v_count - 1);
        END;
        SET v_first = IF(v_duplicate, NULL, 0);
      END IF;
      IF v_first IS NOT NULL THEN
        UPDATE ${head} SET \`position\` = LAST_INSERT_ID(\`position\` + 1) WHERE id = 1;
        IF ROW_COUNT() <> 1 THEN
          SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'factline: the Head row is missing; run migrate()';
        END IF;
        SET v_first_position = LAST_INSERT_ID();
        INSERT INTO ${events} ${eventColumns}
          SELECT v_id, e.name, e.details, e.actor, e.event_timestamp,
                 e.ordinal + e.event_index - 1, v_first_position,
                 e.id, e.schema_version, e.metadata
          ${onlyEntityEvents};
        COMMIT;
        -- Published, without exceptions: the position says it all.
        SELECT v_first_position;
        LEAVE body;
      END IF;
    END IF;
  END IF;

  in_turn: BEGIN
  DECLARE v_done, v_refused BOOLEAN DEFAULT FALSE;
  DECLARE v_rows, v_row, v_seen, v_publication, v_entity_index, v_entity_count INT DEFAULT 0;
  DECLARE v_published INT DEFAULT 0;
  -- Lists that start with a comma: refused and duplicate publications; the
  -- first ordinal of each 'any' entity; published command ids, [id, rank, versions].
  DECLARE v_exceptions, v_any_firsts, v_commands LONGTEXT CHARACTER SET utf8mb4 DEFAULT '';
  -- The versions of a publication with a command id, as a JSON array's items.
  DECLARE v_versions LONGTEXT CHARACTER SET utf8mb4 DEFAULT '';
  -- Read in document order: batch order.
  DECLARE entity_rows CURSOR FOR
    ${entityRow}
    ${entityRows};
  -- Fires at the cursor's end only: every other SELECT … INTO finds a row.
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_done = TRUE;

  IF p_lock_ids IS NOT NULL THEN
    -- STRAIGHT_JOIN: the rows are locked in the order of the list.
    SELECT COUNT(*) INTO v_count
      FROM JSON_TABLE(p_lock_ids, '$[*]' COLUMNS (id VARCHAR(255) ${text} PATH '$')) AS l
      STRAIGHT_JOIN ${entities} AS e ON e.id = l.id
      FOR UPDATE;
  END IF;

  -- A cursor copies its rows into a temporary table first: for one row, a plain SELECT is cheaper.
  SET v_rows = JSON_LENGTH(p_entities);
  IF v_rows > 1 THEN
    OPEN entity_rows;
  END IF;
  each_entity: LOOP
    IF v_rows > 1 THEN
      FETCH entity_rows INTO ${intoEntity};
      IF v_done THEN
        LEAVE each_entity;
      END IF;
      SET v_seen = v_seen + 1;
      IF v_row <> v_seen THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'factline: JSON_TABLE rows out of document order';
      END IF;
    ELSEIF v_row = 0 THEN
      ${entityRow}
        INTO ${intoEntity}
        ${entityRows};
    ELSE
      LEAVE each_entity;
    END IF;

    -- A publication of one entity, without command id or 'any', is published
    -- here in a few statements. Refused, it wrote nothing: the full way below
    -- tries again and says why.
    IF v_entity_count = 1 AND v_command IS NULL AND v_expected >= -1 THEN
      IF v_expected >= 0 THEN
        UPDATE ${entities} SET version = version + v_count
          WHERE id = v_id AND version = v_expected AND type = v_type;
        SET v_duplicate = ROW_COUNT() <> 1;
      ELSE
        SET v_duplicate = FALSE;
        BEGIN
          DECLARE CONTINUE HANDLER FOR 1062 SET v_duplicate = TRUE;
          INSERT INTO ${entities} (id, type, version) VALUES (v_id, v_type, v_count - 1);
        END;
      END IF;
      IF NOT v_duplicate THEN
        SET v_published = v_published + 1;
        ITERATE each_entity;
      END IF;
    END IF;

    -- A publication's first entity: what may write before being refused needs a savepoint.
    IF v_entity_index = 1 AND (v_entity_count > 1 OR v_command IS NOT NULL) THEN
      SAVEPOINT factline_publication;
      IF v_command IS NOT NULL THEN
        SET v_duplicate = FALSE, v_versions = '';
        BEGIN
          DECLARE CONTINUE HANDLER FOR 1062 SET v_duplicate = TRUE;
          -- The claim: position and versions are filled in once known.
          INSERT INTO ${commands} (command_id, \`position\`, versions) VALUES (v_command, 0, '[]');
        END;
        IF v_duplicate THEN
          SELECT CONCAT(v_exceptions, ',[', v_publication, ',"duplicate",', MAX(c.\`position\`), ',', MAX(c.versions), ']')
            INTO v_exceptions FROM ${commands} AS c WHERE c.command_id = v_command;
          SET v_refused = TRUE;
        END IF;
      END IF;
    END IF;

    IF NOT v_refused THEN
      IF v_expected >= 0 THEN
        UPDATE ${entities} SET version = version + v_count
          WHERE id = v_id AND version = v_expected AND type = v_type;
        SET v_first = IF(ROW_COUNT() = 1, v_expected + 1, NULL);
      ELSE
        -- -1: new; -2: any version.
        SET v_first = NULL;
        IF v_expected = -2 THEN
          ${anyEntityUpdate}
        END IF;
        IF v_first IS NULL THEN
          SET v_duplicate = FALSE;
          BEGIN
            DECLARE CONTINUE HANDLER FOR 1062 SET v_duplicate = TRUE;
            INSERT INTO ${entities} (id, type, version) VALUES (v_id, v_type, v_count - 1);
          END;
          IF NOT v_duplicate THEN
            SET v_first = 0;
          ELSEIF v_expected = -2 THEN
            -- Another transaction created it since we looked, and committed.
            ${anyEntityUpdate}
          END IF;
        END IF;
        IF v_expected = -2 THEN
          SET v_any_firsts = CONCAT(v_any_firsts, ',', IFNULL(v_first, 'null'));
        END IF;
      END IF;

      IF v_first IS NULL THEN
        -- Refused: say why, from the row as it is now.
        SELECT CONCAT(v_exceptions, ',[', v_publication,
            IF(COUNT(*) = 1 AND MAX(e.type) <> v_type,
              CONCAT(',"type-mismatch",', v_entity_index, ',', JSON_QUOTE(MAX(e.type))),
              CONCAT(',"conflict",', v_entity_index, ',', IFNULL(MAX(e.version), 'null'))),
            ']')
          INTO v_exceptions FROM ${entities} AS e WHERE e.id = v_id;
        SET v_refused = TRUE;
        IF v_entity_count > 1 OR v_command IS NOT NULL THEN
          ROLLBACK TO SAVEPOINT factline_publication;
        END IF;
      ELSEIF v_command IS NOT NULL THEN
        SET v_versions = CONCAT(v_versions, IF(v_entity_index = 1, '', ','),
          JSON_OBJECT('id', v_id, 'version', v_first + v_count - 1));
      END IF;
    ELSEIF v_expected = -2 THEN
      -- Not tried: its publication was refused already.
      SET v_any_firsts = CONCAT(v_any_firsts, ',null');
    END IF;

    -- A publication's last entity.
    IF v_entity_index = v_entity_count THEN
      IF v_refused THEN
        -- Its events stay out: it is in v_exceptions.
        SET v_refused = FALSE;
      ELSE
        SET v_published = v_published + 1;
        IF v_command IS NOT NULL THEN
          SET v_commands = CONCAT(v_commands, ',[', JSON_QUOTE(v_command), ',', v_published, ',',
            JSON_QUOTE(CONCAT('[', v_versions, ']')), ']');
        END IF;
      END IF;
    END IF;
  END LOOP;
  IF v_rows > 1 THEN
    CLOSE entity_rows;
  END IF;

  IF v_published > 0 THEN
    -- The last step before inserting: the row stays locked until commit.
    UPDATE ${head} SET \`position\` = LAST_INSERT_ID(\`position\` + v_published) WHERE id = 1;
    IF ROW_COUNT() <> 1 THEN
      SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'factline: the Head row is missing; run migrate()';
    END IF;
    SET v_first_position = LAST_INSERT_ID() - v_published + 1;
    -- Two statements rather than one with a condition: a subquery costs even
    -- where it does not run. Without events, the caller inserts them.
    IF p_events IS NOT NULL AND v_exceptions = '' THEN
      -- Nothing refused: a publication's rank is its place in the batch.
      INSERT INTO ${events} ${eventColumns}
        SELECT e.entity_id, e.name, e.details, e.actor, e.event_timestamp,
               ${eventOrdinal},
               v_first_position + e.publication - 1,
               e.id, e.schema_version, e.metadata
        ${eventRows};
    ELSEIF p_events IS NOT NULL THEN
      -- The refused publications' events stay out, and each one moves the later ones a position down.
      INSERT INTO ${events} ${eventColumns}
        SELECT e.entity_id, e.name, e.details, e.actor, e.event_timestamp,
               ${eventOrdinal},
               v_first_position + e.publication - 1 - (SELECT COUNT(*) FROM ${refusedPublications}
                 WHERE x.publication < e.publication),
               e.id, e.schema_version, e.metadata
        ${eventRows}
        WHERE NOT EXISTS (SELECT 1 FROM ${refusedPublications} WHERE x.publication = e.publication);
    END IF;
    IF v_commands <> '' THEN
      INSERT INTO ${commands} (command_id, \`position\`, versions)
        SELECT c.command_id, v_first_position + c.publication_rank - 1, c.versions
        FROM JSON_TABLE(CONCAT('[', SUBSTRING(v_commands, 2), ']'), '$[*]' COLUMNS (
          command_id VARCHAR(255) ${text} PATH '$[0]',
          publication_rank INT PATH '$[1]',
          versions MEDIUMTEXT ${text} PATH '$[2]')) AS c
        ON DUPLICATE KEY UPDATE \`position\` = VALUES(\`position\`), versions = VALUES(versions);
    END IF;
  END IF;
  IF p_events IS NOT NULL THEN
    COMMIT;
  END IF;
  SELECT v_first_position, v_exceptions, v_any_firsts;
  END in_turn;
END body`;
}
