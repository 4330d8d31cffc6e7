-- Every content a template has had: version 1 when it is created, one more for each update
-- Alipay applied. Written in the statement that creates or settles the template.
CREATE TABLE template_versions (
    template_id  UUID NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    tpl_content  JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (template_id, version)
);
-- Templates from before: their current content, as their current version.
INSERT INTO template_versions (template_id, version, tpl_content, created_at)
SELECT id, version, tpl_content, updated_at FROM templates;
