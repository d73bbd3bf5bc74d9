import GRDB

/// The database schema, as an ordered list of migrations from an empty file.
///
/// Migrations are append-only: a released one is never edited, a change is a new
/// one. `docs/schema.md` describes the resulting tables.
public enum SchemaMigrations {
    /// The migrator holding every migration in order.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("v2-scheduling") { db in
            try db.execute(sql: v2)
        }
        migrator.registerMigration("v3-link") { db in
            try db.execute(sql: v3)
        }
        migrator.registerMigration("v4-province") { db in
            try db.execute(sql: v4)
        }
        migrator.registerMigration("v5-schedule-revisions") { db in
            try db.execute(sql: v5)
        }
        // Foreign keys are off while GRDB runs a migration (and checked after it), so
        // dropping the old airings table does not cascade to their receipts.
        migrator.registerMigration("v6-airing-cancels") { db in
            try db.execute(sql: v6)
        }
        migrator.registerMigration("v7-operator-passwords") { db in
            try db.execute(sql: v7)
        }
        migrator.registerMigration("v8-bulletin-approval") { db in
            try db.execute(sql: v8)
        }
        migrator.registerMigration("v9-operator-totp") { db in
            try db.execute(sql: v9)
        }
        migrator.registerMigration("v10-airing-wanted-times") { db in
            try db.execute(sql: v10)
        }
        return migrator
    }

    /// Identifiers of all migrations, in order.
    public static var identifiers: [String] { migrator.migrations }

    // Times are INTEGER milliseconds since 1970 UTC: exact, sortable, and free of
    // time-zone text; the station time zone is applied only for display and planning.
    static let v1 = """
        CREATE TABLE zones (
            id          INTEGER PRIMARY KEY,
            parent_id   INTEGER REFERENCES zones(id) ON DELETE RESTRICT,
            name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200 AND instr(name, '/') = 0),
            path        TEXT NOT NULL UNIQUE,
            created_at  INTEGER NOT NULL,
            UNIQUE (parent_id, name)
        );
        CREATE INDEX zones_parent ON zones(parent_id);

        CREATE TABLE clusters (
            id               TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
            name             TEXT NOT NULL,
            zone_id          INTEGER NOT NULL REFERENCES zones(id) ON DELETE RESTRICT,
            latitude         REAL CHECK (latitude IS NULL OR latitude BETWEEN -90 AND 90),
            longitude        REAL CHECK (longitude IS NULL OR longitude BETWEEN -180 AND 180),
            tags             TEXT NOT NULL DEFAULT '[]',
            credential_hash  TEXT,
            credential_issued_at  INTEGER,
            revoked_at       INTEGER,
            created_at       INTEGER NOT NULL
        );
        CREATE INDEX clusters_zone ON clusters(zone_id);

        CREATE TABLE operators (
            id          INTEGER PRIMARY KEY,
            name        TEXT NOT NULL UNIQUE,
            unix_user   TEXT UNIQUE,
            token_hash  TEXT UNIQUE,
            roles       TEXT NOT NULL DEFAULT '["operator"]',
            created_at  INTEGER NOT NULL
        );
        CREATE TABLE operator_zones (
            operator_id INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
            zone_id     INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
            PRIMARY KEY (operator_id, zone_id)
        );

        CREATE TABLE media (
            sha256          TEXT PRIMARY KEY CHECK (length(sha256) = 64),
            size_bytes      INTEGER NOT NULL,
            duration_ms     INTEGER NOT NULL,
            source_kind     TEXT NOT NULL CHECK (source_kind IN ('file','text','microphone','relay')),
            source_container TEXT,
            measured_lufs   REAL,
            gain_db         REAL NOT NULL,
            created_at      INTEGER NOT NULL
        );

        CREATE TABLE bulletins (
            id            INTEGER PRIMARY KEY,
            title         TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
            level         TEXT NOT NULL CHECK (level IN ('normal','priority','emergency')),
            source_kind   TEXT NOT NULL CHECK (source_kind IN ('file','text','microphone','relay')),
            media_sha256  TEXT REFERENCES media(sha256) ON DELETE RESTRICT,
            text          TEXT,
            state         TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active','paused','cancelled','finished')),
            origin        TEXT NOT NULL DEFAULT 'local' CHECK (origin IN ('local','province')),
            author        TEXT NOT NULL,
            created_at    INTEGER NOT NULL,
            updated_at    INTEGER NOT NULL
        );
        CREATE TABLE bulletin_targets (
            bulletin_id  INTEGER NOT NULL REFERENCES bulletins(id) ON DELETE CASCADE,
            zone_id      INTEGER REFERENCES zones(id) ON DELETE RESTRICT,
            cluster_id   TEXT REFERENCES clusters(id) ON DELETE RESTRICT,
            CHECK ((zone_id IS NULL) <> (cluster_id IS NULL))
        );
        CREATE INDEX bulletin_targets_bulletin ON bulletin_targets(bulletin_id);

        CREATE TABLE recurrence_rules (
            id                INTEGER PRIMARY KEY,
            bulletin_id       INTEGER NOT NULL REFERENCES bulletins(id) ON DELETE CASCADE,
            kind              TEXT NOT NULL CHECK (kind IN ('once','daily','weekly','interval')),
            at_times          TEXT NOT NULL DEFAULT '[]',
            weekdays          INTEGER NOT NULL DEFAULT 127 CHECK (weekdays BETWEEN 1 AND 127),
            interval_minutes  INTEGER CHECK (interval_minutes IS NULL OR interval_minutes > 0),
            window_start      TEXT,
            window_end        TEXT,
            valid_from        INTEGER NOT NULL,
            valid_until       INTEGER,
            max_airings       INTEGER CHECK (max_airings IS NULL OR max_airings > 0),
            CHECK (valid_until IS NULL OR valid_until >= valid_from)
        );
        CREATE INDEX recurrence_rules_bulletin ON recurrence_rules(bulletin_id);

        CREATE TABLE airings (
            id            INTEGER PRIMARY KEY,
            bulletin_id   INTEGER NOT NULL REFERENCES bulletins(id) ON DELETE RESTRICT,
            cluster_id    TEXT NOT NULL REFERENCES clusters(id) ON DELETE RESTRICT,
            rule_id       INTEGER REFERENCES recurrence_rules(id) ON DELETE SET NULL,
            planned_at    INTEGER NOT NULL,
            started_at    INTEGER,
            ended_at      INTEGER,
            outcome       TEXT NOT NULL DEFAULT 'planned'
                          CHECK (outcome IN ('planned','started','completed','interrupted','failed','missed','skipped')),
            reason        TEXT,
            receipt_id    TEXT UNIQUE,
            UNIQUE (bulletin_id, cluster_id, planned_at)
        );
        CREATE INDEX airings_cluster_time ON airings(cluster_id, planned_at);
        CREATE INDEX airings_time ON airings(planned_at);

        CREATE TABLE health_samples (
            id           INTEGER PRIMARY KEY,
            cluster_id   TEXT NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
            at           INTEGER NOT NULL,
            state        TEXT NOT NULL CHECK (state IN ('online','degraded','offline')),
            signal_dbm   INTEGER,
            volume       INTEGER,
            uptime_s     INTEGER,
            firmware     TEXT,
            playing      TEXT,
            cached       TEXT
        );
        CREATE INDEX health_samples_cluster_time ON health_samples(cluster_id, at);

        CREATE TABLE report_outbox (
            id               INTEGER PRIMARY KEY AUTOINCREMENT,
            idempotency_key  TEXT NOT NULL UNIQUE,
            kind             TEXT NOT NULL,
            payload          TEXT NOT NULL,
            created_at       INTEGER NOT NULL,
            attempts         INTEGER NOT NULL DEFAULT 0,
            delivered_at     INTEGER,
            last_error       TEXT
        );
        CREATE INDEX report_outbox_pending ON report_outbox(id) WHERE delivered_at IS NULL;

        CREATE TABLE audit_log (
            id        INTEGER PRIMARY KEY AUTOINCREMENT,
            at        INTEGER NOT NULL,
            actor     TEXT NOT NULL,
            action    TEXT NOT NULL,
            target    TEXT,
            details   TEXT NOT NULL DEFAULT '{}',
            origin    TEXT NOT NULL
        );
        CREATE INDEX audit_log_at ON audit_log(at);
        """

    // Scheduling: per-zone quiet hours, operator scopes as zone paths (operators come
    // from the configuration, and their communes may be created after them), and
    // receipts kept apart from airings so that each receipt id counts exactly once.
    static let v2 = """
        ALTER TABLE zones ADD COLUMN quiet_start TEXT;
        ALTER TABLE zones ADD COLUMN quiet_end TEXT;
        DROP TABLE operator_zones;
        ALTER TABLE operators ADD COLUMN zone_paths TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE media ADD COLUMN title TEXT;
        CREATE TABLE airing_receipts (
            receipt_id  TEXT PRIMARY KEY CHECK (length(receipt_id) BETWEEN 1 AND 128),
            airing_id   INTEGER NOT NULL REFERENCES airings(id) ON DELETE CASCADE,
            kind        TEXT NOT NULL CHECK (kind IN ('started','completed','interrupted','failed')),
            at          INTEGER NOT NULL,
            reason      TEXT,
            received_at INTEGER NOT NULL
        );
        CREATE INDEX airing_receipts_airing ON airing_receipts(airing_id);
        CREATE INDEX bulletins_state ON bulletins(state);
        """

    static let v3 = """
        ALTER TABLE clusters ADD COLUMN public_key BLOB CHECK (public_key IS NULL OR length(public_key) = 32);
        CREATE TABLE health_transitions (
            id          INTEGER PRIMARY KEY,
            cluster_id  TEXT NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
            at          INTEGER NOT NULL,
            from_state  TEXT NOT NULL CHECK (from_state IN ('online','degraded','offline','never_seen')),
            to_state    TEXT NOT NULL CHECK (to_state IN ('online','degraded','offline','never_seen')),
            reason      TEXT NOT NULL
        );
        CREATE INDEX health_transitions_cluster ON health_transitions(cluster_id, at);
        """

    /// Bulletins from the province (the inbox) and the status counts behind the
    /// daily "clusters online" share; delivered reports are pruned by age.
    static let v4 = """
        CREATE TABLE province_bulletins (
            id            INTEGER PRIMARY KEY,
            province_id   TEXT NOT NULL UNIQUE,
            title         TEXT NOT NULL,
            level         TEXT NOT NULL CHECK (level IN ('normal','priority','emergency')),
            zones         TEXT NOT NULL,
            media_sha256  TEXT REFERENCES media(sha256),
            text          TEXT,
            air_at        INTEGER,
            received_at   INTEGER NOT NULL,
            state         TEXT NOT NULL
                          CHECK (state IN ('inbox','queued','approved','rejected','on_air','aired','interrupted','failed')),
            bulletin_id   INTEGER REFERENCES bulletins(id),
            live_id       TEXT,
            decided_by    TEXT,
            decided_at    INTEGER,
            reason        TEXT
        );
        CREATE INDEX province_bulletins_state ON province_bulletins(state, received_at);
        CREATE TABLE status_snapshots (
            at        INTEGER PRIMARY KEY,
            online    INTEGER NOT NULL,
            degraded  INTEGER NOT NULL,
            offline   INTEGER NOT NULL,
            total     INTEGER NOT NULL
        );
        CREATE INDEX report_outbox_delivered ON report_outbox(delivered_at) WHERE delivered_at IS NOT NULL;
        """

    /// The last schedule revision each cluster was sent, so revisions only grow
    /// across reconnects, key rotations and daemon restarts (docs/protocol.md).
    static let v5 = """
        ALTER TABLE clusters ADD COLUMN schedule_revision INTEGER NOT NULL DEFAULT 0;
        """

    /// Airing ids are never given twice (`AUTOINCREMENT`: clusters hold airings by id,
    /// and a cancel names them), and the airings an operator cancelled are kept per
    /// cluster until their planned end, so a cluster that was offline at the cancel
    /// hears of it first thing when it reconnects (docs/protocol.md, `cancel`).
    static let v6 = """
        CREATE TABLE airings_v6 (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            bulletin_id   INTEGER NOT NULL REFERENCES bulletins(id) ON DELETE RESTRICT,
            cluster_id    TEXT NOT NULL REFERENCES clusters(id) ON DELETE RESTRICT,
            rule_id       INTEGER REFERENCES recurrence_rules(id) ON DELETE SET NULL,
            planned_at    INTEGER NOT NULL,
            started_at    INTEGER,
            ended_at      INTEGER,
            outcome       TEXT NOT NULL DEFAULT 'planned'
                          CHECK (outcome IN ('planned','started','completed','interrupted','failed','missed','skipped')),
            reason        TEXT,
            receipt_id    TEXT UNIQUE,
            UNIQUE (bulletin_id, cluster_id, planned_at)
        );
        INSERT INTO airings_v6 SELECT id, bulletin_id, cluster_id, rule_id, planned_at, started_at, ended_at, outcome, reason, receipt_id
            FROM airings;
        DROP TABLE airings;
        ALTER TABLE airings_v6 RENAME TO airings;
        CREATE INDEX airings_cluster_time ON airings(cluster_id, planned_at);
        CREATE INDEX airings_time ON airings(planned_at);
        CREATE TABLE airing_cancels (
            airing_id     INTEGER PRIMARY KEY,
            cluster_id    TEXT NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
            bulletin_id   INTEGER NOT NULL REFERENCES bulletins(id) ON DELETE CASCADE,
            reason        TEXT NOT NULL,
            cancelled_at  INTEGER NOT NULL,
            until         INTEGER NOT NULL
        );
        CREATE INDEX airing_cancels_cluster ON airing_cancels(cluster_id, until);
        """

    /// Console passwords (Argon2id hashes, docs/console.md). Operators and their roles
    /// stay in the configuration; the secret each one chooses lives here, set with
    /// `commcast operator passwd`, so it never sits in a file that is copied around.
    static let v7 = """
        CREATE TABLE operator_passwords (
            operator_name  TEXT PRIMARY KEY CHECK (length(operator_name) BETWEEN 1 AND 64),
            hash           TEXT NOT NULL CHECK (hash LIKE '$argon2id$%'),
            changed_at     INTEGER NOT NULL,
            changed_by     TEXT NOT NULL
        );
        """

    /// Bulletins that wait for a supervisor's approval (`schedule.approval`): two
    /// states more, and who reviewed each one, when, and why it was turned down.
    /// SQLite cannot widen a CHECK in place, so the table is rebuilt with its ids.
    static let v8 = """
        CREATE TABLE bulletins_v8 (
            id            INTEGER PRIMARY KEY,
            title         TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
            level         TEXT NOT NULL CHECK (level IN ('normal','priority','emergency')),
            source_kind   TEXT NOT NULL CHECK (source_kind IN ('file','text','microphone','relay')),
            media_sha256  TEXT REFERENCES media(sha256) ON DELETE RESTRICT,
            text          TEXT,
            state         TEXT NOT NULL DEFAULT 'active'
                          CHECK (state IN ('pending','active','paused','cancelled','finished','rejected')),
            origin        TEXT NOT NULL DEFAULT 'local' CHECK (origin IN ('local','province')),
            author        TEXT NOT NULL,
            created_at    INTEGER NOT NULL,
            updated_at    INTEGER NOT NULL,
            reviewed_by   TEXT,
            reviewed_at   INTEGER,
            review_note   TEXT
        );
        INSERT INTO bulletins_v8 (id, title, level, source_kind, media_sha256, text, state, origin, author, created_at, updated_at)
            SELECT id, title, level, source_kind, media_sha256, text, state, origin, author, created_at, updated_at FROM bulletins;
        DROP TABLE bulletins;
        ALTER TABLE bulletins_v8 RENAME TO bulletins;
        CREATE INDEX bulletins_state ON bulletins(state);
        """

    /// A second factor for the console (docs/console.md): each enrolled operator's TOTP
    /// secret, and the last step used, so that a code is good once.
    static let v9 = """
        CREATE TABLE operator_totp (
            operator_name  TEXT PRIMARY KEY CHECK (length(operator_name) BETWEEN 1 AND 64),
            secret         BLOB NOT NULL CHECK (length(secret) = 20),
            last_step      INTEGER NOT NULL DEFAULT 0,
            enrolled_at    INTEGER NOT NULL,
            enrolled_by    TEXT NOT NULL
        );
        """

    /// An airing sent to a cluster never disappears (issue 18): one the planner
    /// moves or drops is `withdrawn`, one of a cancelled bulletin `cancelled`, and a
    /// receipt for it is still counted (the cluster may have aired it from its cache
    /// while offline). `wanted_at` is when the rule wanted an airing (NULL: when it was
    /// planned, not shifted), so one shifted past a wanted time that has passed stays
    /// planned. A receipt keeps the cluster's own time (`cluster_at`) beside the
    /// station's view of it (`at`, corrected by the clock skew the cluster's heartbeats
    /// show). `airings` is rebuilt, as SQLite cannot widen a CHECK; its AUTOINCREMENT
    /// high-water mark is carried over, so no id is ever given twice.
    static let v10 = """
        CREATE TABLE airings_v10 (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            bulletin_id   INTEGER NOT NULL REFERENCES bulletins(id) ON DELETE RESTRICT,
            cluster_id    TEXT NOT NULL REFERENCES clusters(id) ON DELETE RESTRICT,
            rule_id       INTEGER REFERENCES recurrence_rules(id) ON DELETE SET NULL,
            planned_at    INTEGER NOT NULL,
            wanted_at     INTEGER,
            started_at    INTEGER,
            ended_at      INTEGER,
            outcome       TEXT NOT NULL DEFAULT 'planned'
                          CHECK (outcome IN ('planned','started','completed','interrupted','failed','missed','skipped',
                                             'withdrawn','cancelled')),
            reason        TEXT,
            receipt_id    TEXT UNIQUE,
            UNIQUE (bulletin_id, cluster_id, planned_at)
        );
        INSERT INTO airings_v10 (id, bulletin_id, cluster_id, rule_id, planned_at, started_at, ended_at, outcome, reason, receipt_id)
            SELECT id, bulletin_id, cluster_id, rule_id, planned_at, started_at, ended_at, outcome, reason, receipt_id FROM airings;
        UPDATE sqlite_sequence SET seq = max(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'airings'), 0))
            WHERE name = 'airings_v10';
        DROP TABLE airings;
        ALTER TABLE airings_v10 RENAME TO airings;
        CREATE INDEX airings_cluster_time ON airings(cluster_id, planned_at);
        CREATE INDEX airings_time ON airings(planned_at);
        CREATE INDEX airings_bulletin ON airings(bulletin_id, outcome);
        ALTER TABLE airing_receipts ADD COLUMN cluster_at INTEGER;
        """
}
