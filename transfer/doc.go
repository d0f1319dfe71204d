// Package transfer is what the <Extranet SeGEC> button of the Situation école
// module does: it decides who is sent (Select), sends the snapshot to the
// extranet and records the transfer in the school's history (Runner), writes
// the lines the user reads (Messages, HeldMessages) and runs the automatic
// transfer on its weekly schedule (Scheduler, NextRun).
//
// The package sits between the school domain and the extranet's HTTP API: it
// imports the school and extranet domains and the api client, never a store
// or a template. docs/transfer.md describes the behaviour for people.
package transfer
