-- The transfer digests (004) are gone: a snapshot sent again is reconciled
-- like any other, from the rows it reads, so no write has to delete a
-- cached answer (docs/extranet.md, « Envoyer le même instantané »).
DROP TABLE transfer_digests;
