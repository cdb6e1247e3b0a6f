package ledger

import (
	"context"
	"log/slog"

	"k8s.io/klog/v2"
)

// Tessera logs through klog, a logger shared by the whole process. tally
// logs with log/slog, so klog is routed into slog.Default() once, here:
// Tessera's informational lines become debug records (a node run at debug
// level still shows what the log engine did), its warnings and errors stay
// what they are. Without this, every test and every node would print
// Tessera's progress lines on stderr, outside the structured log.
func init() {
	klog.SetSlogLogger(slog.New(tesseraHandler{}))
}

// tesseraHandler forwards to the handler of slog.Default() at the time of
// each record, so a logger installed after start-up (tally serve's) gets
// Tessera's records too.
type tesseraHandler struct {
	attrs []slog.Attr
	group string
}

func (h tesseraHandler) level(l slog.Level) slog.Level {
	if l < slog.LevelWarn {
		return slog.LevelDebug
	}
	return l
}

func (h tesseraHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return slog.Default().Handler().Enabled(ctx, h.level(l))
}

func (h tesseraHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, h.level(r.Level), r.Message, r.PC)
	out.AddAttrs(slog.String("component", "tessera"))
	r.Attrs(func(a slog.Attr) bool { out.AddAttrs(a); return true })
	var dst slog.Handler = slog.Default().Handler()
	if h.group != "" {
		dst = dst.WithGroup(h.group)
	}
	return dst.WithAttrs(h.attrs).Handle(ctx, out)
}

func (h tesseraHandler) WithAttrs(as []slog.Attr) slog.Handler {
	h.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return h
}

func (h tesseraHandler) WithGroup(name string) slog.Handler {
	h.group = name
	return h
}
