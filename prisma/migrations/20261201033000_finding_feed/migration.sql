-- Issue 14: every replica hears of new finding events at commit (GraphQL subscriptions read
-- them from there, src/findings/finding-feed.ts), whichever replica or process wrote them.
CREATE FUNCTION "finding_event_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('tenancy_findings', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER "finding_event_feed" AFTER INSERT ON "finding_event" FOR EACH STATEMENT EXECUTE FUNCTION "finding_event_notify"();
