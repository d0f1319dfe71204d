-- A grant keeps the identity its school sent (birth date, matricule; '' when
-- not sent): the person's are shared by every school, and a school's view of
-- its staff (GET /api/v1/schools/{fase}/staff, the portal's « Espace
-- direction ») must not show what another school sent.
ALTER TABLE grants ADD COLUMN sent_birth_date TEXT NOT NULL DEFAULT '';
ALTER TABLE grants ADD COLUMN sent_matricule TEXT NOT NULL DEFAULT '';

-- Existing grants: a school recognised by names and birth date sent that very
-- birth date, and one recognised by matricule a birth date equal to the
-- person's or none; which matricule each school sent was not recorded, so it
-- is left empty. A school's next transfer writes what it actually sends.
UPDATE grants SET sent_birth_date = (SELECT p.birth_date FROM persons p WHERE p.id = grants.person_id)
    WHERE person_id IN (SELECT id FROM persons WHERE birth_date <> '');
