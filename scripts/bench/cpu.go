package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuMeter reads the CPU time the processes of the run used (Linux
// /proc), so each mode can say where the two cores went.
type cpuMeter struct {
	names []string
	pids  map[string][]int
}

const clockTick = 100 // USER_HZ on Linux

// newCPUMeter counts the server processes together (one figure for all of
// them), the bench process (load generator and baseline) and every
// redis-server and MariaDB process of the machine.
func newCPUMeter(serverPIDs []int) *cpuMeter {
	m := &cpuMeter{pids: map[string][]int{}}
	name := "server"
	if len(serverPIDs) > 1 {
		name = fmt.Sprintf("%d servers", len(serverPIDs))
	}
	for _, pid := range serverPIDs {
		m.add(name, pid)
	}
	m.add("bench", os.Getpid())
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, _ := os.ReadFile("/proc/" + e.Name() + "/comm")
		switch strings.TrimSpace(string(comm)) {
		case "redis-server":
			m.add("redis", pid)
		case "mariadbd", "mysqld":
			m.add("mariadb", pid)
		}
	}
	return m
}

func (m *cpuMeter) add(name string, pid int) {
	if _, ok := m.pids[name]; !ok {
		m.names = append(m.names, name)
	}
	m.pids[name] = append(m.pids[name], pid)
}

func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+2:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+k) * time.Second / clockTick
}

type cpuSample map[string]time.Duration

func (m *cpuMeter) sample() cpuSample {
	out := cpuSample{}
	for name, pids := range m.pids {
		for _, p := range pids {
			out[name] += procCPU(p)
		}
	}
	return out
}

// machineCPU returns the machine's busy and total CPU time so far (clock
// ticks of /proc/stat; idle and iowait are not busy).
func machineCPU() (busy, total int64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line := strings.SplitN(string(b), "\n", 2)[0]
	f := strings.Fields(line)
	for i, x := range f[1:] {
		n, _ := strconv.ParseInt(x, 10, 64)
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total
}

// cpuUse is what one round cost per request: the server processes' CPU,
// and every measured process's together (server, bench, Redis, MariaDB).
type cpuUse struct {
	server, all time.Duration
}

// bound is the most requests a second the machine's cores could serve at
// this cost per request, were they never idle.
func (u cpuUse) bound() float64 {
	if u.all <= 0 {
		return 0
	}
	return float64(numCPU()) * float64(time.Second) / float64(u.all)
}

// report prints the CPU each process used per request between two samples,
// and how much of the machine's CPU the rest of the machine took.
func (m *cpuMeter) report(label string, before, after cpuSample, requests int, wall time.Duration, busy0, total0 int64) cpuUse {
	if requests == 0 {
		return cpuUse{}
	}
	var parts []string
	var ours time.Duration
	for _, name := range m.names {
		d := after[name] - before[name]
		ours += d
		parts = append(parts, fmt.Sprintf("%s %.0f µs", name, float64(d.Microseconds())/float64(requests)))
	}
	busy1, total1 := machineCPU()
	others := ""
	if total1 > total0 {
		used := time.Duration(busy1-busy0) * time.Second / clockTick
		others = fmt.Sprintf("; other processes used %.0f%% of the machine", 100*float64(used-ours)/float64(time.Duration(numCPU())*wall))
		// Idle time tells a round limited by the cores (little idle) from
		// one limited by waiting (a lock, a disk flush: much idle).
		others += fmt.Sprintf("; the machine was %.0f%% idle", 100*float64((total1-busy1)-(total0-busy0))/float64(total1-total0))
	}
	fmt.Printf("  CPU per request (%s): %s%s\n", label, strings.Join(parts, ", "), others)
	return cpuUse{server: (after[m.names[0]] - before[m.names[0]]) / time.Duration(requests), all: ours / time.Duration(requests)}
}
