package server

import (
	"context"
	"testing"
)

// What the external tests (package server_test, which run the dashboard
// in real nodes) share with the package's own.
var (
	A11yProblems  = a11yProblems
	ParseHTML     = doc
	All           = all
	Text          = text
	ByID          = byID
	Attr          = attr
	StartBrowser  = startBrowser
	NewTab        = tab
	Do            = do
	Screenshot    = screenshot
	Emulate       = emulate
	Viewports     = viewports
	ScreenshotDir = screenshotDir
)

// Eval is eval, exported.
func Eval[T any](t *testing.T, ctx context.Context, js string) T { return eval[T](t, ctx, js) }
