// Go as a peer in Strand's benchmarks (bench/lib/go.ts builds and runs it).
// Taken from the reference programs that measured Go when the benchmarks issue
// was written (shared/peer-bench/go), so the workloads are the same ones.
//
// Usage: gobench <workload> [iterations] [n] [probe]
// workloads: pingpong, spawn, spawn-blocked, prodcons64, prodcons1024, fanin, timers, handoff64k
// n overrides the workload's default size (fan-in: 1,000 producers × n/1,000 each);
// "probe" adds the untimed memory probe. bench/lib/go.ts runs it with GOMAXPROCS=1
// (handoff64k, a two-thread workload: GOMAXPROCS=2).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

func maxRSS() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Maxrss * 1024
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}

var sink int

func pingpong(n int) map[string]float64 {
	ping, pong := make(chan int), make(chan int)
	done := make(chan struct{})
	go func() {
		for i := 0; i < n; i++ {
			v := <-ping
			pong <- v + 1
		}
		close(done)
	}()
	v := 0
	for i := 0; i < n; i++ {
		ping <- v
		v = <-pong
	}
	<-done
	if v != n {
		panic("bad")
	}
	sink += v
	return nil
}

func spawn(n int) map[string]float64 {
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() { wg.Done() }()
	}
	wg.Wait()
	return nil
}

// untimed probe: live memory (HeapAlloc+StackInuse, after GC) right after the
// spawn loop; goroutines that already ran to completion are not counted
func spawnProbe(n int) map[string]float64 {
	base := heapInUse()
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() { wg.Done() }()
	}
	live := heapInUse()
	wg.Wait()
	return map[string]float64{"liveBytesAfterSpawnLoop": float64(int64(live) - int64(base))}
}

// children block on a shared gate until all are spawned: memory per parked goroutine
func spawnBlocked(n int) map[string]float64 {
	var wg sync.WaitGroup
	wg.Add(n)
	gate := make(chan struct{})
	for i := 0; i < n; i++ {
		go func() { <-gate; wg.Done() }()
	}
	close(gate)
	wg.Wait()
	return nil
}

// untimed probe: live memory with all n goroutines parked on the gate
func spawnBlockedProbe(n int) map[string]float64 {
	base := heapInUse()
	var wg sync.WaitGroup
	wg.Add(n)
	gate := make(chan struct{})
	for i := 0; i < n; i++ {
		go func() { <-gate; wg.Done() }()
	}
	live := heapInUse()
	close(gate)
	wg.Wait()
	return map[string]float64{"liveBytesAllParked": float64(int64(live) - int64(base))}
}

func prodcons(n, cap int) map[string]float64 {
	ch := make(chan int, cap)
	go func() {
		for i := 0; i < n; i++ {
			ch <- 1
		}
	}()
	s := 0
	for i := 0; i < n; i++ { // receive exactly n, like the JS versions
		s += <-ch
	}
	if s != n {
		panic("bad")
	}
	sink += s
	return nil
}

func fanin(producers, each, cap int) map[string]float64 {
	ch := make(chan int, cap)
	for p := 0; p < producers; p++ {
		go func() {
			for i := 0; i < each; i++ {
				ch <- 1
			}
		}()
	}
	s := 0
	for i := 0; i < producers*each; i++ {
		s += <-ch
	}
	if s != producers*each {
		panic("bad")
	}
	return nil
}

func timers(n int) map[string]float64 {
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() { time.Sleep(time.Millisecond); wg.Done() }()
	}
	wg.Wait()
	return nil
}

// handoff64k: the worker rows' 64 KiB workload natively, on two threads (GOMAXPROCS=2):
// one goroutine writes every byte of each 64 KiB block (as 8-byte words, block m's word i
// = m + i) into a ring of 8 blocks, another sums every word as it arrives; block indices
// go back and forth on two channels. What memory and the cache hand-off between two cores
// allow, with no JavaScript in the way.
func handoff(n int) map[string]float64 {
	const words = 64 * 1024 / 8
	const slots = 8
	ring := make([][]uint64, slots)
	for i := range ring {
		ring[i] = make([]uint64, words)
	}
	full, free := make(chan int, slots), make(chan int, slots)
	for i := 0; i < slots; i++ {
		free <- i
	}
	var sum uint64
	done := make(chan struct{})
	go func() {
		var s uint64
		for m := 0; m < n; m++ {
			slot := <-full
			for _, w := range ring[slot] {
				s += w
			}
			free <- slot
		}
		sum = s
		close(done)
	}()
	for m := 0; m < n; m++ {
		slot := <-free
		block := ring[slot]
		for i := range block {
			block[i] = uint64(m + i)
		}
		full <- slot
	}
	<-done
	// Every word was read: the sum of (m + i) over all blocks and words.
	if want := uint64(n)*uint64(words)*uint64(words-1)/2 + uint64(words)*uint64(n)*uint64(n-1)/2; sum != want {
		panic(fmt.Sprintf("handoff64k: checksum %d, want %d", sum, want))
	}
	return nil
}

func main() {
	w := os.Args[1]
	iters := 7
	if len(os.Args) > 2 {
		iters, _ = strconv.Atoi(os.Args[2])
	}
	size := 0
	if len(os.Args) > 3 {
		size, _ = strconv.Atoi(os.Args[3])
	}
	wantProbe := len(os.Args) > 4 && os.Args[4] == "probe"
	var n int
	var unit string
	var fn func(int) map[string]float64
	var probe func(int) map[string]float64
	switch w {
	case "pingpong":
		n, unit, fn = 1_000_000, "round trip", pingpong
	case "spawn":
		n, unit, fn, probe = 100_000, "task", spawn, spawnProbe
	case "spawn-blocked":
		n, unit, fn, probe = 100_000, "task", spawnBlocked, spawnBlockedProbe
	case "prodcons64":
		n, unit, fn = 1_000_000, "msg", func(n int) map[string]float64 { return prodcons(n, 64) }
	case "prodcons1024":
		n, unit, fn = 1_000_000, "msg", func(n int) map[string]float64 { return prodcons(n, 1024) }
	case "fanin":
		n, unit, fn = 1_000_000, "msg", func(n int) map[string]float64 { return fanin(1000, n/1000, 64) }
	case "timers":
		n, unit, fn = 100_000, "task", timers
	case "handoff64k":
		n, unit, fn = 20_000, "message", handoff
	default:
		panic("unknown workload " + w)
	}
	if size > 0 {
		n = size
	}
	if !wantProbe {
		probe = nil
	}
	rssBase := maxRSS()
	fn(n) // warm-up
	var samples, wall []float64
	extras := map[string][]float64{}
	for i := 0; i < iters; i++ {
		runtime.GC()
		t0 := time.Now()
		ex := fn(n)
		dt := time.Since(t0)
		ns := float64(dt.Nanoseconds())
		samples = append(samples, ns/float64(n))
		wall = append(wall, ns/1e6)
		for k, v := range ex {
			extras[k] = append(extras[k], v)
		}
		fmt.Printf("  [%s | go | GOMAXPROCS=%d] iter %d: %.1f ms, %.1f ns/%s, %.0f %s/s %v\n", w, runtime.GOMAXPROCS(0), i+1, ns/1e6, ns/float64(n), unit, float64(n)*1e9/ns, unit, ex)
	}
	var pr map[string]float64
	if probe != nil {
		pr = probe(n)
		fmt.Printf("  probe (untimed): %v\n", pr)
	}
	med := median(samples)
	ex := map[string]interface{}{}
	for k, v := range extras {
		ex[k] = map[string]interface{}{"median": median(v), "samples": v}
	}
	mn, mx := samples[0], samples[0]
	for _, s := range samples {
		if s < mn {
			mn = s
		}
		if s > mx {
			mx = s
		}
	}
	res := map[string]interface{}{
		"workload": "go-" + w, "system": runtime.Version(), "variant": fmt.Sprintf("GOMAXPROCS=%d", runtime.GOMAXPROCS(0)),
		"n": n, "unit": unit, "iterations": len(samples), "nsPerOp": med, "opsPerSec": 1e9 / med,
		"wallMsMedian": median(wall), "nsPerOpMin": mn, "nsPerOpMax": mx, "samplesNsPerOp": samples,
		"extras": ex, "probe": pr, "rssBaseBytes": rssBase, "maxRssBytes": maxRSS(),
	}
	fmt.Printf("  => median %.1f ns/%s, %.0f %s/s\n", med, unit, 1e9/med, unit)
	b, _ := json.Marshal(res)
	fmt.Println("RESULT " + string(b))
}
