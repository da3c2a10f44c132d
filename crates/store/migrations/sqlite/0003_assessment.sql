-- Assessment: imported feeds and their records (advisories, the packages they name, KEV
-- entries, lifecycle products), findings with their verdicts, per-host lifecycle status, and
-- the job queue the servers' background workers claim from. Kept parallel with
-- ../postgres/0003_assessment.sql: only id columns differ.

-- One row per feed (a kind of data from one origin of a mirror); its records go with it.
CREATE TABLE feeds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    source TEXT NOT NULL,
    files BIGINT NOT NULL,
    records BIGINT NOT NULL,
    imported_at BIGINT NOT NULL,
    UNIQUE (kind, origin)
);

-- An advisory as one feed carries it; two feeds may carry one id, the later `modified` wins.
CREATE TABLE advisories (
    feed_id BIGINT NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    aliases TEXT NOT NULL,
    summary TEXT NOT NULL,
    rating TEXT,
    score_tenths BIGINT,
    published BIGINT,
    modified BIGINT,
    withdrawn BIGINT,
    digest TEXT NOT NULL,
    advisory_json TEXT NOT NULL,
    PRIMARY KEY (feed_id, id)
);
CREATE INDEX advisories_by_id ON advisories (id);

-- Every id and alias of an advisory, to find it by any of them.
CREATE TABLE advisory_aliases (
    feed_id BIGINT NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    advisory_id TEXT NOT NULL,
    alias TEXT NOT NULL,
    PRIMARY KEY (feed_id, advisory_id, alias)
);
CREATE INDEX advisory_aliases_by_alias ON advisory_aliases (alias);

-- The packages an advisory names: base ecosystem and name normalised the ecosystem's way.
CREATE TABLE advisory_packages (
    feed_id BIGINT NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    advisory_id TEXT NOT NULL,
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (feed_id, advisory_id, ecosystem, name)
);
CREATE INDEX advisory_packages_by_package ON advisory_packages (ecosystem, name);

CREATE TABLE kev_entries (
    feed_id BIGINT NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    cve_id TEXT NOT NULL,
    date_added TEXT NOT NULL,
    due_date TEXT,
    ransomware BIGINT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (feed_id, cve_id)
);
CREATE INDEX kev_entries_by_cve ON kev_entries (cve_id);

CREATE TABLE lifecycle_products (
    feed_id BIGINT NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    name TEXT NOT NULL,
    title TEXT,
    PRIMARY KEY (feed_id, source, name)
);

CREATE TABLE lifecycle_cycles (
    feed_id BIGINT NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    product TEXT NOT NULL,
    position BIGINT NOT NULL,
    cycle TEXT NOT NULL,
    cycle_json TEXT NOT NULL,
    PRIMARY KEY (feed_id, source, product, position)
);
CREATE INDEX lifecycle_cycles_by_cycle ON lifecycle_cycles (product, cycle);

-- One finding: one group of aliased advisories on one package version of one host. For
-- distribution packages the package is the source package and the version its source version.
CREATE TABLE findings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    host_id BIGINT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    subject TEXT NOT NULL CHECK (subject IN ('host', 'application')),
    ecosystem TEXT NOT NULL,
    package TEXT NOT NULL,
    binaries TEXT NOT NULL,
    installed TEXT NOT NULL,
    group_key TEXT NOT NULL,
    ids TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    rating TEXT,
    score_tenths BIGINT,
    kev BIGINT NOT NULL,
    fixed TEXT NOT NULL,
    priority TEXT NOT NULL,
    priority_score BIGINT NOT NULL,
    reasons_json TEXT NOT NULL,
    detail_json TEXT NOT NULL,
    state_json TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    fixed_at BIGINT,
    UNIQUE (host_id, ecosystem, package, group_key)
);
CREATE INDEX findings_by_state ON findings (state, priority_score);
CREATE INDEX findings_by_package ON findings (package, host_id);
CREATE INDEX findings_by_group ON findings (group_key);

-- Every verdict ever given, and each change of state an assessment made, oldest first.
CREATE TABLE finding_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id BIGINT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    state TEXT NOT NULL,
    by_whom TEXT,
    why TEXT
);
CREATE INDEX finding_events_by_finding ON finding_events (finding_id, id);

CREATE TABLE host_lifecycle (
    host_id BIGINT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    product TEXT NOT NULL,
    cycle TEXT NOT NULL,
    operating_system BIGINT NOT NULL,
    state TEXT NOT NULL,
    state_date TEXT,
    source TEXT,
    evidence_json TEXT NOT NULL,
    assessed_at BIGINT NOT NULL,
    PRIMARY KEY (host_id, product, cycle)
);

-- Work for the background workers. A job is claimed by one worker at a time; a claim that
-- outlives its lease (a server died) can be taken over.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    enqueued_at BIGINT NOT NULL,
    claimed_by TEXT,
    lease_until BIGINT,
    finished_at BIGINT,
    result TEXT
);
CREATE INDEX jobs_by_state ON jobs (state, id);
