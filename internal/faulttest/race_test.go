//go:build race

package faulttest

// raceEnabled: the server processes are built with the race detector too
// (sharing the build cache of the test run), and a race they report fails
// the scenario.
const raceEnabled = true
