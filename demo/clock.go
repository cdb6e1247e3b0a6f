package demo

import (
	"sync"
	"time"
)

// Clock is the demo's simulated clock. While the regime is generated the
// driver sets it, round by round, to the simulated moment each round of
// notifications is sent, and it stands still in between; once the regime
// is generated it runs at the speed of a real clock from where the replay
// left it. Both nodes read it (node.Config.Now): it is what their
// cosignatures carry, and so when each notification reached the other
// party.
type Clock struct {
	mu      sync.Mutex
	sim     time.Time // the simulated time when set
	real    time.Time // the real time when set (running)
	running bool
}

// NewClock is a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{sim: t.UTC()} }

// Now is the simulated time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return c.sim.Add(time.Since(c.real)).UTC()
	}
	return c.sim
}

// Set stops the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.sim, c.running = t.UTC(), false
	c.mu.Unlock()
}

// Run lets the clock run from t at the speed of a real clock.
func (c *Clock) Run(t time.Time) {
	c.mu.Lock()
	c.sim, c.real, c.running = t.UTC(), time.Now(), true
	c.mu.Unlock()
}

// Running reports whether the clock runs (the regime is generated) or
// stands where the driver set it.
func (c *Clock) Running() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.running
}
