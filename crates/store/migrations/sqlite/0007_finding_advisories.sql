-- Indexes for the read queries of the findings list, the advisory page and the host page, and
-- for the check that keeps an inventory from queueing a second assessment of its host.
-- Kept parallel with the other backend's 0007_finding_advisories.sql.
--
-- finding_advisories holds each advisory id that a finding names (its space-separated `ids`),
-- one row per id, so that findings are looked up by advisory through an index instead of by
-- matching the text of every finding. Triggers keep it equal to `findings.ids` inside the
-- statement (and so the transaction) that writes the finding; a deleted finding takes its rows
-- with it. Ids compare without regard to ASCII case, as the text match they replace did.

CREATE TABLE finding_advisories (
    finding_id BIGINT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    advisory_id TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (finding_id, advisory_id)
);
CREATE INDEX finding_advisories_by_advisory ON finding_advisories (advisory_id, finding_id);
-- The advisory page resolves its id as an alias or as an advisory's own id; the second read the
-- whole alias table.
CREATE INDEX advisory_aliases_by_advisory ON advisory_aliases (advisory_id);

-- The ids as a JSON array of strings: the whole text quoted as one JSON string (which escapes
-- everything but leaves spaces as they are), then every space made a separator; empty strings
-- (from doubled spaces) are skipped.
CREATE TRIGGER finding_advisories_on_insert AFTER INSERT ON findings
BEGIN
    INSERT OR IGNORE INTO finding_advisories (finding_id, advisory_id)
    SELECT NEW.id, j.value FROM json_each(
        '[' || replace(json_quote(NEW.ids), ' ', '","') || ']'
    ) j WHERE j.value <> '';
END;

CREATE TRIGGER finding_advisories_on_update AFTER UPDATE OF ids ON findings
WHEN OLD.ids IS NOT NEW.ids
BEGIN
    DELETE FROM finding_advisories WHERE finding_id = NEW.id;
    INSERT OR IGNORE INTO finding_advisories (finding_id, advisory_id)
    SELECT NEW.id, j.value FROM json_each(
        '[' || replace(json_quote(NEW.ids), ' ', '","') || ']'
    ) j WHERE j.value <> '';
END;

INSERT OR IGNORE INTO finding_advisories (finding_id, advisory_id)
SELECT f.id, j.value FROM findings f, json_each(
    '[' || replace(json_quote(f.ids), ' ', '","') || ']'
) j WHERE j.value <> '';

-- Findings filtered by severity, by KEV and state, or by package come highest priority first:
-- each index returns them in that order, so a page reads only its own rows.
CREATE INDEX findings_by_rating ON findings (rating, priority_score DESC, id);
CREATE INDEX findings_by_kev ON findings (kev, state, priority_score DESC, id);
CREATE INDEX findings_by_package_priority ON findings (package, priority_score DESC, id);
-- The whole list, and the keyset walk of every page after the first.
CREATE INDEX findings_by_priority ON findings (priority_score DESC, id);
-- A host's open findings counted by priority (host page, host list).
CREATE INDEX findings_by_host_state ON findings (host_id, state, priority);

-- Every accepted inventory queues its host's assessment unless the same job is queued already;
-- that check read every queued job, and during a fleet's first inventory thousands are queued.
CREATE INDEX jobs_queued_by_payload ON jobs (kind, payload_json) WHERE state = 'queued';
