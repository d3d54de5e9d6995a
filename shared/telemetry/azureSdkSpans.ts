// The Azure SDKs' own spans (Blob Storage, Key Vault: each call and its HTTP requests) as dependencies of the
// kept invocation that made them. The Azure SDKs trace through @azure/core-tracing, which takes one
// instrumenter per process; this one records on the request thread into the invocation's record, and the
// telemetry thread makes the spans (spanReplay.ts). A call outside any kept invocation (a left-out request,
// start-up's Key Vault read) is not recorded: the left-out request sends nothing, and start-up is not an
// operation anyone looks up.
import {
  useInstrumenter,
  type Instrumenter,
  type InstrumenterSpanOptions,
  type SpanStatus,
  type TracingContext,
  type TracingSpan,
} from '@azure/core-tracing';
import { currentCorrelation } from './correlation';
import { MAX_CHILDREN, type InvocationRecording } from './invocationRecorder';
import type { AzureSdkSpanRecord } from './telemetryMessages';

const SPAN_KEY = Symbol.for('lifetracker.azureSdkSpan');

// core-tracing hands contexts back and forth by interface: an immutable map of values.
class RecordingContext implements TracingContext {
  constructor(private readonly values: ReadonlyMap<symbol, unknown> = new Map()) {}

  setValue(key: symbol, value: unknown): TracingContext {
    return new RecordingContext(new Map(this.values).set(key, value));
  }

  getValue(key: symbol): unknown {
    return this.values.get(key);
  }

  deleteValue(key: symbol): TracingContext {
    const values = new Map(this.values);
    values.delete(key);
    return new RecordingContext(values);
  }
}

const NOT_RECORDING: TracingSpan = {
  setStatus: () => undefined,
  setAttribute: () => undefined,
  end: () => undefined,
  recordException: () => undefined,
  isRecording: () => false,
};

// A span of a kept invocation, added to its record when it ends (children end before their parents, and
// the telemetry thread orders them by id, which follows start order).
class RecordedSpan implements TracingSpan {
  private readonly record: AzureSdkSpanRecord;
  private ended = false;

  constructor(
    readonly recording: InvocationRecording,
    name: string,
    options: InstrumenterSpanOptions,
    parent: RecordedSpan | undefined,
  ) {
    this.record = {
      id: recording.nextSpanId++,
      parentId: parent ? parent.record.id : 0,
      name,
      kind: options.spanKind ?? 'internal',
      attributes: {},
      failed: false,
      startedAt: Date.now(),
      endedAt: 0,
    };
    for (const [key, value] of Object.entries(options.spanAttributes ?? {})) this.setAttribute(key, value);
  }

  setStatus(status: SpanStatus): void {
    this.record.failed = status.status === 'error';
  }

  setAttribute(name: string, value: unknown): void {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      this.record.attributes[name] = value;
    }
  }

  recordException(): void {
    this.record.failed = true;
  }

  isRecording(): boolean {
    return !this.ended;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.record.endedAt = Date.now();
    const { recording } = this;
    if (recording.ended || recording.telemetry.azureSdkSpans.length >= MAX_CHILDREN) return;
    recording.telemetry.azureSdkSpans.push(this.record);
  }
}

/** The instrumenter the Azure SDKs in this process trace through while telemetry runs. */
export const recordingInstrumenter: Instrumenter = {
  startSpan(name, options) {
    const context = options.tracingContext ?? new RecordingContext();
    const parent = context.getValue(SPAN_KEY);
    const recording = parent instanceof RecordedSpan ? parent.recording : currentCorrelation()?.recording;
    if (!recording || recording.ended) return { span: NOT_RECORDING, tracingContext: context };
    const span = new RecordedSpan(
      recording,
      name,
      options,
      parent instanceof RecordedSpan ? parent : undefined,
    );
    return { span, tracingContext: context.setValue(SPAN_KEY, span) };
  },
  // The context travels in the SDKs' options (tracingOptions.tracingContext), not in an ambient one: a
  // call without it is a child of the invocation it runs in, found through the correlation context.
  withContext: (_context, callback, ...callbackArgs) => callback(...callbackArgs),
  parseTraceparentHeader: () => undefined,
  // The span ids are the telemetry thread's, made after the call: there is no id to send ahead.
  createRequestHeaders: () => ({}),
};

// No instrumenter of its own: what @azure/core-tracing uses before any is set.
const NO_TRACING: Instrumenter = {
  startSpan: (_name, options) => ({
    span: NOT_RECORDING,
    tracingContext: options.tracingContext ?? new RecordingContext(),
  }),
  withContext: (_context, callback, ...callbackArgs) => callback(...callbackArgs),
  parseTraceparentHeader: () => undefined,
  createRequestHeaders: () => ({}),
};

/** Makes the Azure SDKs' spans dependencies of the kept invocations; returns the function that stops it. */
export function recordAzureSdkSpans(): () => void {
  useInstrumenter(recordingInstrumenter);
  return () => useInstrumenter(NO_TRACING);
}
