-- PostgreSQL: the same migration as ../0007_screening.sql (what differs: INTEGER is BIGINT).
-- 0007: pre-screening and the survivor benefit per family (SPEC "Offer only what the
-- registries already allow", "The survivor benefit is one benefit per family").

-- The decision a consent on the offer's day would get (domain.screening), as JSON: the
-- offer's terms, or for a case not offered (state not_offered) its reasons and legal basis.
ALTER TABLE cases ADD COLUMN terms TEXT;
-- survivor: the IINs of the dependents the addressee receives for (JSON list).
ALTER TABLE cases ADD COLUMN received_for TEXT NOT NULL DEFAULT '[]';
-- The first name of whom the case is about when not the addressee (a child, the deceased).
ALTER TABLE cases ADD COLUMN subject_name TEXT;

-- Every survivor payment order of one deceased, together, within the family amount: the
-- order and its share are written in one transaction, and the CHECK refuses a sum over it.
-- Amounts in tiyn. `family_tiyn` is the largest family amount of the orders' start dates.
CREATE TABLE survivor_families (
    deceased_iin TEXT PRIMARY KEY,
    family_tiyn BIGINT NOT NULL CHECK (family_tiyn > 0),
    paid_tiyn BIGINT NOT NULL DEFAULT 0,
    CHECK (paid_tiyn >= 0 AND paid_tiyn <= family_tiyn)
);
