package extranet

// The night run is set in Brussels time; the binary carries its own time zone
// data so that NextNight is right on hosts without a zoneinfo database.
import _ "time/tzdata"
