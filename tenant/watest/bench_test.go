package watest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types/events"
	waLog "go.mau.fi/whatsmeow/util/log"
)

// benchClients is the number of clients BenchmarkConnect1000 uses: 1,000 by
// default, or WATEST_CLIENTS.
func benchClients(b *testing.B) int {
	if v := os.Getenv("WATEST_CLIENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("WATEST_CLIENTS=%q is not a positive number", v)
		}
		return n
	}
	return 1000
}

type benchClient struct {
	cli       *whatsmeow.Client
	connected chan struct{}
}

// BenchmarkConnect1000 links N clients (1,000 unless WATEST_CLIENTS says
// otherwise) to one server, each as its own account, disconnects them, and
// then measures how long it takes to connect them all again (login with the
// stored device until events.Connected) and what an idle connected client
// costs. The clients share one SQLite device container, as Flow HQ does.
//
// The numbers include both ends, since server and clients share the process:
// the server adds one goroutine and its socket buffers per connection.
func BenchmarkConnect1000(b *testing.B) {
	n := benchClients(b)
	profile := os.Getenv("WATEST_HEAP_PROFILE") // write a heap profile while connected
	if profile != "" {
		runtime.MemProfileRate = 4096
	}
	// Linking is setup, not what is measured: skip the 812-key first upload.
	srv := Start(b, WithInitialPreKeyCount(50))
	container := NewContainer(b)
	heapEmpty, rssEmpty := memNow()

	setupStart := time.Now()
	clients := make([]*benchClient, n)
	for i := range clients {
		cli := whatsmeow.NewClient(container.NewDevice(), waLog.Noop)
		srv.Configure(cli)
		bc := &benchClient{cli: cli, connected: make(chan struct{}, 4)}
		cli.AddEventHandler(func(evt any) {
			if _, ok := evt.(*events.Connected); ok {
				bc.connected <- struct{}{}
			}
		})
		clients[i] = bc
	}
	b.Cleanup(func() {
		for _, c := range clients {
			c.cli.Disconnect()
		}
	})
	parallel(b, clients, 16, func(ctx context.Context, c *benchClient) error {
		if _, err := srv.NewAccount().Link(ctx, c.cli); err != nil {
			return err
		}
		return waitChan(ctx, c.connected)
	})
	setup := time.Since(setupStart)
	for _, c := range clients {
		c.cli.Disconnect()
	}
	waitOffline(b, srv)

	var connectTime time.Duration
	var heapDisconnected uint64
	var gDisconnected int
	for b.Loop() {
		heapDisconnected, _ = memNow()
		gDisconnected = runtime.NumGoroutine()
		start := time.Now()
		parallel(b, clients, 64, func(ctx context.Context, c *benchClient) error {
			if err := c.cli.Connect(); err != nil {
				return err
			}
			return waitChan(ctx, c.connected)
		})
		connectTime = time.Since(start)
		b.StopTimer()
		time.Sleep(time.Second) // let post-login work settle into idle
		heapConnected, rssConnected := memNow()
		gConnected := runtime.NumGoroutine()
		if profile != "" {
			writeHeapProfile(b, profile)
		}
		perHeapConn := float64(heapConnected-heapDisconnected) / float64(n)
		perHeapTotal := float64(heapConnected-heapEmpty) / float64(n)
		perRSS := float64(int64(rssConnected)-int64(rssEmpty)) / float64(n)
		perG := float64(gConnected-gDisconnected) / float64(n)
		b.ReportMetric(float64(connectTime.Milliseconds()), "ms/connect-all")
		b.ReportMetric(perHeapTotal/1024, "KiB-heap/client")
		b.ReportMetric(perHeapConn/1024, "KiB-heap/conn")
		b.ReportMetric(perRSS/1024, "KiB-RSS/client")
		b.ReportMetric(perG, "goroutines/client")
		b.Logf("%d clients: setup (link + first login) %v; connect all %v; heap per client %.1f KiB (of which the connection %.1f KiB); RSS per client %.1f KiB; goroutines per connected client %.2f; heap total %.1f MiB, RSS total %.1f MiB",
			n, setup.Round(time.Millisecond), connectTime.Round(time.Millisecond), perHeapTotal/1024, perHeapConn/1024, perRSS/1024, perG,
			float64(heapConnected)/(1<<20), float64(rssConnected)/(1<<20))
		for _, c := range clients {
			c.cli.Disconnect()
		}
		waitOffline(b, srv)
		b.StartTimer()
	}
}

func writeHeapProfile(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		b.Fatal(err)
	}
}

func waitChan(ctx context.Context, ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for Connected: %w", ctx.Err())
	}
}

// parallel runs fn for every client with at most width at a time.
func parallel(b *testing.B, clients []*benchClient, width int, fn func(context.Context, *benchClient) error) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	sem := make(chan struct{}, width)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for _, c := range clients {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, c); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
}

func waitOffline(b *testing.B, srv *Server) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := srv.waitUntil(ctx, "all devices offline", func() bool {
		for _, a := range srv.accounts {
			for _, d := range a.devices {
				if d.conn != nil {
					return false
				}
			}
		}
		return true
	})
	if err != nil {
		b.Fatal(err)
	}
}

// memNow returns the live heap after a GC and the process RSS (0 when
// /proc is not available).
func memNow() (heap, rss uint64) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, readRSS()
}

func readRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fields := strings.Fields(rest)
			if len(fields) > 0 {
				kb, _ := strconv.ParseUint(fields[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}
