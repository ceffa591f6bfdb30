//go:build js && wasm

package main

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/resock/resock/internal/engine"
)

// maxMillis bounds every duration option: the largest delay setTimeout
// accepts, about 24.8 days.
const maxMillis = math.MaxInt32

// maxSafeInteger is JavaScript's Number.MAX_SAFE_INTEGER.
const maxSafeInteger = 1<<53 - 1

// parseOptions reads the constructor's options dictionary. Unknown members
// are ignored, as Web IDL dictionaries do; a member of the wrong type is a
// TypeError and a value out of range a RangeError, each naming the member.
// It returns the engine options (without Transport, Protocols, Resolve and
// OnEvent) and whether binary messages are delivered as ArrayBuffer.
func parseOptions(v safejs.Value) (o engine.Options, arrayBuffer bool, err error) {
	switch typeOf(v) {
	case safejs.TypeUndefined, safejs.TypeNull:
		return o, false, nil
	case safejs.TypeObject, safejs.TypeFunction:
	default:
		return o, false, typeError("The options argument must be an object, got %s.", typeName(v))
	}
	r := optionReader{v: v}
	if d, ok := r.duration("initialDelay", false); ok {
		o.Backoff.Initial = d
	}
	if f, ok := r.number("backoffFactor"); ok {
		if math.IsNaN(f) || f < 1 || math.IsInf(f, 0) {
			r.fail(rangeError("options.backoffFactor must be a finite number of at least 1, got %s.", jsNumber(f)))
		}
		o.Backoff.Factor = f
	}
	if d, ok := r.duration("maxDelay", false); ok {
		o.Backoff.Max = d
	}
	o.Backoff.Delays = r.delays()
	if d, ok := r.duration("minUptime", false); ok {
		o.MinUptime = d
	}
	if d, ok := r.duration("connectTimeout", true); ok {
		o.ConnectTimeout = d
	}
	if n, ok := r.count("maxRetries", 0); ok && n != math.MaxInt {
		// Infinity is the engine's default, nil.
		o.MaxRetries = new(n)
	}
	if n, ok := r.count("maxQueuedMessages", 1); ok {
		o.MaxQueuedMessages = n
	}
	if n, ok := r.count("maxQueuedBytes", 1); ok {
		o.MaxQueuedBytes = n
	}
	if v, ok := r.get("resume"); ok {
		o.Resume, err = v.Truthy()
		if err != nil {
			r.fail(err)
		}
	}
	if n, ok := r.count("maxUnackedBytes", 1); ok {
		o.MaxUnackedBytes = n
	}
	if d, ok := r.duration("heartbeatInterval", false); ok {
		o.HeartbeatInterval = d
	}
	if d, ok := r.duration("heartbeatTimeout", false); ok {
		o.HeartbeatTimeout = d
	}
	if d, ok := r.duration("hiddenHeartbeatInterval", false); ok {
		o.HiddenHeartbeatInterval = d
	}
	o.HeartbeatMessage, o.HeartbeatExpect = r.heartbeat()
	if n, ok := r.count("maxMessageSize", 1); ok {
		o.MaxMessageSize = n
	}
	if s, ok := r.enum("outboxPolicy", "throw", "drop-oldest"); ok {
		o.DropOldest = s == "drop-oldest"
	}
	if s, ok := r.enum("networkChange", "check", "replace", "ignore"); ok {
		o.NetworkChange = map[string]engine.NetworkPolicy{
			"check":   engine.NetworkCheck,
			"replace": engine.NetworkReplace,
			"ignore":  engine.NetworkIgnore,
		}[s]
	}
	if f, ok := r.get("shouldReconnect"); ok {
		if typeOf(f) != safejs.TypeFunction {
			r.fail(typeError("options.shouldReconnect must be a function, got %s.", typeName(f)))
		} else {
			o.ShouldReconnect = pagePolicy(f)
		}
	}
	if s, ok := r.enum("binaryType", "blob", "arraybuffer"); ok {
		arrayBuffer = s == "arraybuffer"
	}
	return o, arrayBuffer, r.err
}

// pagePolicy makes Options.ShouldReconnect of the page's shouldReconnect
// function. The engine calls it from a goroutine of its own, without its
// lock, so the function may use the socket and may be async. One that throws
// or rejects is reported as a listener's exception would be, and the default
// policy decides.
func pagePolicy(fn safejs.Value) func(engine.CloseEvent) bool {
	return func(e engine.CloseEvent) bool {
		ev, err := js.closeEvent.New("close", map[string]any{"code": e.Code, "reason": e.Reason, "wasClean": e.WasClean})
		if err != nil {
			consoleError("failed to create the event for shouldReconnect", err)
			return engine.DefaultShouldReconnect(e)
		}
		v, reason, rejected, err := callPage(fn, ev)
		switch {
		case err != nil:
			consoleError("failed to call shouldReconnect", err)
			return engine.DefaultShouldReconnect(e)
		case rejected:
			reportException("shouldReconnect", reason)
			return engine.DefaultShouldReconnect(e)
		}
		ok, err := v.Truthy()
		return err == nil && ok
	}
}

// optionReader reads members of an options object, keeping the first error.
type optionReader struct {
	v   safejs.Value
	err error
}

func (r *optionReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// get returns the member name, ok false when it is undefined or reading it
// failed.
func (r *optionReader) get(name string) (safejs.Value, bool) {
	if r.err != nil {
		return safejs.Undefined(), false
	}
	m, err := r.v.Get(name)
	if err != nil {
		r.fail(typeError("Cannot read options.%s: %s", name, jsMessage(err)))
		return safejs.Undefined(), false
	}
	return m, !m.IsUndefined()
}

func (r *optionReader) number(name string) (float64, bool) {
	m, ok := r.get(name)
	if !ok {
		return 0, false
	}
	if typeOf(m) != safejs.TypeNumber {
		r.fail(typeError("options.%s must be a number, got %s.", name, typeName(m)))
		return 0, false
	}
	f, err := m.Float()
	if err != nil {
		r.fail(err)
		return 0, false
	}
	return f, true
}

// duration reads a number of milliseconds greater than 0. With forever,
// Infinity is allowed and means no limit.
func (r *optionReader) duration(name string, forever bool) (time.Duration, bool) {
	f, ok := r.number(name)
	if !ok {
		return 0, false
	}
	if forever && math.IsInf(f, 1) {
		return math.MaxInt64, true
	}
	if math.IsNaN(f) || f <= 0 || f > maxMillis {
		r.fail(rangeError("options.%s must be a number of milliseconds greater than 0 and at most %d, got %s.", name, maxMillis, jsNumber(f)))
		return 0, false
	}
	return millis(f), true
}

// count reads a whole number of at least lowest, or Infinity, returned as
// math.MaxInt.
func (r *optionReader) count(name string, lowest int) (int, bool) {
	f, ok := r.number(name)
	if !ok {
		return 0, false
	}
	if math.IsInf(f, 1) {
		return math.MaxInt, true
	}
	if math.IsNaN(f) || f != math.Trunc(f) || f < float64(lowest) || f > maxSafeInteger {
		r.fail(rangeError("options.%s must be a whole number of at least %d, or Infinity, got %s.", name, lowest, jsNumber(f)))
		return 0, false
	}
	return int(f), true
}

// enum reads a string that must be one of values, as a Web IDL enumeration
// member of a dictionary: anything else is a TypeError.
func (r *optionReader) enum(name string, values ...string) (string, bool) {
	m, ok := r.get(name)
	if !ok {
		return "", false
	}
	s, err := toString(m)
	if err != nil {
		r.fail(err)
		return "", false
	}
	for _, v := range values {
		if s == v {
			return s, true
		}
	}
	r.fail(typeError("options.%s must be %s, got %q.", name, quoteList(values), s))
	return "", false
}

// quoteList is `"a" or "b"`, `"a", "b" or "c"`.
func quoteList(values []string) string {
	var b strings.Builder
	for i, v := range values {
		switch {
		case i == 0:
		case i == len(values)-1:
			b.WriteString(" or ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(v))
	}
	return b.String()
}

// delays reads the fixed schedule: an iterable of at least one number of
// milliseconds, each at least 0.
func (r *optionReader) delays() []time.Duration {
	m, ok := r.get("delays")
	if !ok {
		return nil
	}
	elems, isSeq, err := iterate(m)
	if err != nil {
		r.fail(err)
		return nil
	}
	if !isSeq {
		r.fail(typeError("options.delays must be an array of numbers, got %s.", typeName(m)))
		return nil
	}
	if len(elems) == 0 {
		r.fail(rangeError("options.delays must hold at least one delay."))
		return nil
	}
	delays := make([]time.Duration, len(elems))
	for i, e := range elems {
		if typeOf(e) != safejs.TypeNumber {
			r.fail(typeError("options.delays[%d] must be a number, got %s.", i, typeName(e)))
			return nil
		}
		f, err := e.Float()
		if err != nil {
			r.fail(err)
			return nil
		}
		if math.IsNaN(f) || f < 0 || f > maxMillis {
			r.fail(rangeError("options.delays[%d] must be a number of milliseconds from 0 to %d, got %s.", i, maxMillis, jsNumber(f)))
			return nil
		}
		delays[i] = millis(f)
	}
	return delays
}

// heartbeat reads the plain-mode probe: {message, expect}, two strings.
func (r *optionReader) heartbeat() (message, expect string) {
	m, ok := r.get("heartbeat")
	if !ok {
		return "", ""
	}
	if typeOf(m) != safejs.TypeObject {
		r.fail(typeError("options.heartbeat must be an object {message, expect}, got %s.", typeName(m)))
		return "", ""
	}
	sub := optionReader{v: m}
	get := func(name string) string {
		v, ok := sub.get(name)
		if !ok || typeOf(v) != safejs.TypeString {
			sub.fail(typeError("options.heartbeat.%s must be a string, got %s.", name, typeName(v)))
			return ""
		}
		s, err := v.String()
		if err != nil {
			sub.fail(err)
		}
		return s
	}
	message, expect = get("message"), get("expect")
	if sub.err == nil && message == "" {
		sub.fail(rangeError("options.heartbeat.message must not be empty."))
	}
	r.fail2(sub.err)
	return message, expect
}

// fail2 keeps err, if any, as the first error.
func (r *optionReader) fail2(err error) {
	if err != nil {
		r.fail(err)
	}
}

// jsNumber formats f as JavaScript prints a number.
func jsNumber(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func millis(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }

// toMillis is d in JavaScript's unit of time.
func toMillis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
