package main

// The binary carries its own time zone data, so Europe/Brussels is known on
// machines without /usr/share/zoneinfo.
import _ "time/tzdata"
