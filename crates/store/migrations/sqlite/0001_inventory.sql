-- Inventory: hosts, their identifiers, packages, pending updates, history, tags, documents,
-- agent enrollment and credentials, identity reviews. Times are Unix seconds, JSON is text,
-- flags are 0/1. Kept parallel with ../postgres/0001_inventory.sql: only id columns differ.

CREATE TABLE hosts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hostname TEXT NOT NULL,
    fqdn TEXT,
    addresses TEXT NOT NULL DEFAULT '',
    os_id TEXT,
    os_version TEXT,
    os_name TEXT,
    kernel TEXT,
    arch TEXT,
    facts_json TEXT NOT NULL,
    sources_json TEXT NOT NULL DEFAULT '[]',
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    revoked_at BIGINT,
    digest_facts TEXT,
    digest_packages TEXT,
    digest_pending_updates TEXT,
    package_count BIGINT NOT NULL DEFAULT 0,
    pending_update_count BIGINT NOT NULL DEFAULT 0,
    security_update_count BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX hosts_by_hostname ON hosts (hostname, id);
CREATE INDEX hosts_by_os ON hosts (os_id, os_version);
CREATE INDEX hosts_by_last_seen ON hosts (last_seen);

CREATE TABLE host_identifiers (
    host_id BIGINT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (host_id, kind, value)
);
CREATE INDEX host_identifiers_by_value ON host_identifiers (kind, value);

CREATE TABLE packages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    arch TEXT NOT NULL,
    source_name TEXT,
    source_version TEXT,
    source TEXT NOT NULL,
    UNIQUE (ecosystem, name, version, arch)
);
CREATE INDEX packages_by_name ON packages (name, ecosystem);

CREATE TABLE host_packages (
    host_id BIGINT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    package_id BIGINT NOT NULL REFERENCES packages (id),
    status TEXT NOT NULL,
    PRIMARY KEY (host_id, package_id)
);
CREATE INDEX host_packages_by_package ON host_packages (package_id);

CREATE TABLE pending_updates (
    host_id BIGINT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    arch TEXT NOT NULL,
    installed_version TEXT NOT NULL,
    candidate_version TEXT NOT NULL,
    origin TEXT NOT NULL,
    security BIGINT NOT NULL
);
CREATE INDEX pending_updates_by_host ON pending_updates (host_id, name);

CREATE TABLE host_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    host_id BIGINT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    change_json TEXT NOT NULL
);
CREATE INDEX host_events_by_host ON host_events (host_id, id);

CREATE TABLE host_tags (
    host_id BIGINT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('manual', 'agent')),
    PRIMARY KEY (host_id, source, tag)
);
CREATE INDEX host_tags_by_tag ON host_tags (tag, host_id);

CREATE TABLE host_documents (
    host_id BIGINT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    document_id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    UNIQUE (host_id, document_id)
);
CREATE INDEX host_documents_by_age ON host_documents (host_id, received_at);

CREATE TABLE enrollment_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hash TEXT NOT NULL UNIQUE,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE agent_credentials (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    host_id BIGINT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_used_at BIGINT
);
CREATE INDEX agent_credentials_by_host ON agent_credentials (host_id);

CREATE TABLE identity_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    host_id BIGINT REFERENCES hosts (id) ON DELETE SET NULL,
    candidate_id BIGINT REFERENCES hosts (id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT,
    resolution TEXT
);
CREATE INDEX identity_reviews_open ON identity_reviews (resolved_at, created_at);
