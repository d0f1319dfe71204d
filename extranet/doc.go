// Package extranet is the extranet SeGEC's domain: the people known to the
// extranet (Person), their accounts (Account), the accesses schools give them
// for a school year (Grant), and the two processes that change them: the
// reconciliation of a school's snapshot (Service.Transfer) and the night run
// that opens accounts and sends invitations (Service.Night).
//
// The package imports no storage or HTTP package. It states what it needs
// from storage in the Store and Tx interfaces, which store/extranetstore
// implements for SQLite and PostgreSQL. Its input and output at the boundary
// are the documents of package wire, the contract with the school side, which
// the api package moves over HTTP; it imports neither api nor apiclient.
//
// docs/extranet.md explains the rules as implemented: identity matching,
// rejections, the guard against mass deactivation, why deactivations are
// immediate, the night run, the outbox and locking.
package extranet
