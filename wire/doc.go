// Package wire is the contract between the two sides: the JSON documents
// that the school side and the extranet exchange over HTTP (the snapshot a
// school sends, the extranet's answer, its grants, and the problem details of
// a refusal), exactly as docs/openapi.yaml describes them, and the message
// lines that the school's help page derives from a transfer's answer.
//
// Both sides import it and neither imports the other: the extranet's domain
// takes and returns these documents, package api serves them, and the
// school side sends and reads them through package apiclient. It holds no
// behaviour beyond the documents' encoding and the wording of their lines,
// and imports neither storage nor HTTP.
package wire
