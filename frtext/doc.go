// Package frtext holds the French text conventions that Passerelle applies
// everywhere a person reads or types text: collation of names, folding of
// names for matching, login fragments, e-mail normalisation, dates in the
// Belgian dd/mm/yyyy form and Europe/Brussels local time, durations, yes/no
// answers, the two ways of writing a person's name, counted nouns ("3 fiches
// ajoutées", digits grouped) and messages turned into sentences.
//
// Every function is safe for concurrent use. Error messages are in French and
// say what to type instead, because they reach school secretaries directly
// (import reports, forms).
package frtext
