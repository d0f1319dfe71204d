// Package api is the extranet's JSON API over HTTP: the server that schools
// call (Server). The school side calls it with package apiclient, and the
// two meet only in package wire, the contract.
//
// The API moves the documents of package wire (Snapshot, TransferResult,
// SchoolGrants, Problem) and nothing else: every decision belongs to
// extranet.Service. docs/openapi.yaml describes the API exactly as this
// package implements it.
//
// # Routes
//
//	PUT /api/v1/schools/{fase}/staff[?dryRun=true]           Snapshot → 200 TransferResult
//	GET /api/v1/schools/{fase}/staff[?schoolYear=YYYY-YYYY]  → 200 SchoolGrants
//	GET /healthz   the process is up
//	GET /readyz    the database answers and is migrated
//	GET /metrics   Prometheus metrics
//
// Every /api/ call needs "Authorization: Bearer TOKEN", and a school's token
// is valid for its own FASE only.
//
// # Errors
//
// Errors are RFC 9457 problem details (application/problem+json). Their
// "type" is one of the wire.Type… constants, all under wire.ProblemBase;
// "detail" is French and tells the person what to do. A 400 or 422 lists the faulty
// entries in "errors" ({index, field, message}); the 409 of the guard against
// mass deactivation carries "deactivations" and the people in "changes".
//
// # Strict decoding
//
// The server rejects a snapshot with a field it does not know (400). A
// misspelt "keep" or "confirmDeactivations" silently ignored would deactivate
// people the school meant to protect; a loud refusal is the safer failure.
// New optional fields will come with a new client, and the extranet is always
// upgraded before the schools' software.
//
// # Idempotency
//
// A PUT may carry an Idempotency-Key header. The service stores the result
// under that key with the SHA-256 of the body: the same key with the same body
// answers the first result again without applying anything, the same key with
// another body is refused (422). apiclient.Client always sends one, and
// re-sends it unchanged when it retries, which is what makes a retry after a
// lost answer safe. Dry runs change nothing and ignore the key.
package api
