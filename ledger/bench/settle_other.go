//go:build !unix

package bench

import "time"

// Settle pauses between runs (file systems are flushed on unix only).
func Settle() { time.Sleep(time.Second) }
