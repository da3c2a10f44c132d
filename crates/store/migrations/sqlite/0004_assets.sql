-- Assets other than agent hosts: applications read from SBOMs and lockfiles, whose components
-- point at the same distinct package rows hosts use, and assets of other kinds (network
-- devices, printers, phones, SaaS subscriptions, other) kept by hand or from spreadsheets.
-- Kept parallel with ../postgres/0004_assets.sql: only id columns differ.

CREATE TABLE applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    version TEXT,
    purl TEXT,
    source_format TEXT NOT NULL,
    source_file TEXT NOT NULL,
    reference TEXT,
    dependencies_json TEXT NOT NULL DEFAULT '[]',
    unresolved_json TEXT NOT NULL DEFAULT '[]',
    component_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE application_components (
    application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    reference TEXT NOT NULL,
    package_id BIGINT REFERENCES packages (id),
    ecosystem TEXT,
    name TEXT NOT NULL,
    version TEXT,
    purl TEXT,
    licenses_json TEXT NOT NULL DEFAULT '[]',
    kind TEXT,
    scope TEXT NOT NULL,
    PRIMARY KEY (application_id, position)
);
CREATE INDEX application_components_by_package ON application_components (package_id);

CREATE TABLE application_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    change_json TEXT NOT NULL
);
CREATE INDEX application_events_by_application ON application_events (application_id, id);

CREATE TABLE assets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL
        CHECK (kind IN ('network-device', 'printer', 'phone', 'saas', 'other')),
    name TEXT NOT NULL,
    asset_tag TEXT UNIQUE,
    serial TEXT UNIQUE,
    vendor TEXT,
    model TEXT,
    location TEXT,
    owner TEXT,
    tags_json TEXT NOT NULL DEFAULT '[]',
    notes TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX assets_by_kind ON assets (kind, name);
