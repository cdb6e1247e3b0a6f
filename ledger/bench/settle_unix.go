//go:build unix

package bench

import (
	"syscall"
	"time"
)

// Settle flushes what earlier runs wrote to disk and pauses, so that their
// write-back does not slow the fsyncs of the next run.
func Settle() {
	syscall.Sync()
	time.Sleep(time.Second)
}
