// Shared pieces: data loading with loading/empty/error states, labelled
// form fields that show the API's error next to the field it names, a
// confirmation dialog, copy buttons and a box for secrets shown once.
import {
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
  type FormEvent,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from 'react'
import { ApiError, get } from './api'

export function useResource<T>(path: string | null) {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true })
  const [tick, setTick] = useState(0)
  useEffect(() => {
    if (path === null) return
    let live = true
    setState((s) => ({ data: s.data, loading: true }))
    get<T>(path).then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState({ error, loading: false }),
    )
    return () => {
      live = false
    }
  }, [path, tick])
  const reload = useCallback(() => setTick((t) => t + 1), [])
  return { ...state, reload }
}

/** Draws loading, error, then the content. */
export function Load<T>({ r, children }: { r: { data?: T; error?: Error; loading: boolean; reload: () => void }; children: (data: T) => ReactNode }) {
  if (r.error) return <ErrorBox error={r.error} retry={r.reload} />
  if (r.data === undefined) return <Loading />
  return <>{children(r.data)}</>
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  )
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  )
}

export function ErrorBox({ error, retry }: { error: Error | string; retry?: () => void }) {
  const message = typeof error === 'string' ? error : error.message
  return (
    <div className="error-box" role="alert">
      <p>{message}</p>
      {retry && (
        <button type="button" className="button secondary" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  )
}

export function Notice({ children, tone = 'info' }: { children: ReactNode; tone?: 'info' | 'success' | 'warning' }) {
  return (
    <div className={`notice ${tone}`} role="status">
      {children}
    </div>
  )
}

/**
 * A form's submission: busy while it runs, the API's field error kept
 * for `Field` to show, any other error for the form.
 */
export function useSubmit(action: () => Promise<void>) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | Error | null>(null)
  const onSubmit = async (e?: FormEvent) => {
    e?.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await action()
    } catch (err) {
      setError(err as Error)
    } finally {
      setBusy(false)
    }
  }
  const fieldError = (name: string) => (error instanceof ApiError && error.field === name ? error.description : undefined)
  const formError = error && !(error instanceof ApiError && error.field) ? error.message : undefined
  return { busy, error, fieldError, formError, onSubmit, setError }
}

type FieldProps = {
  label: string
  error?: string
  hint?: ReactNode
}

export function Field({ label, error, hint, ...input }: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId()
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined
  if (input.type === 'checkbox') {
    return (
      <div className="field checkbox">
        <input id={id} aria-describedby={describedBy} aria-invalid={error ? true : undefined} {...input} />
        <label htmlFor={id}>{label}</label>
        {hint && <p id={`${id}-hint`} className="hint">{hint}</p>}
        {error && <p id={`${id}-error`} className="field-error">{error}</p>}
      </div>
    )
  }
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-describedby={describedBy} aria-invalid={error ? true : undefined} {...input} />
      {hint && <p id={`${id}-hint`} className="hint">{hint}</p>}
      {error && <p id={`${id}-error`} className="field-error">{error}</p>}
    </div>
  )
}

export function TextArea({ label, error, hint, ...input }: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId()
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} aria-describedby={describedBy} aria-invalid={error ? true : undefined} {...input} />
      {hint && <p id={`${id}-hint`} className="hint">{hint}</p>}
      {error && <p id={`${id}-error`} className="field-error">{error}</p>}
    </div>
  )
}

export function Select({ label, error, hint, children, ...input }: FieldProps & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId()
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} aria-describedby={describedBy} aria-invalid={error ? true : undefined} {...input}>
        {children}
      </select>
      {hint && <p id={`${id}-hint`} className="hint">{hint}</p>}
      {error && <p id={`${id}-error`} className="field-error">{error}</p>}
    </div>
  )
}

export function FormError({ message }: { message?: string }) {
  if (!message) return null
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  )
}

/**
 * A button that asks first: a modal dialog naming what will happen; for
 * what cannot be undone, the name must be typed.
 */
export function ConfirmButton({
  label,
  title,
  children,
  confirmLabel,
  typeToConfirm,
  onConfirm,
  className = 'button danger',
}: {
  label: string
  title: string
  children?: ReactNode
  confirmLabel: string
  typeToConfirm?: string
  onConfirm: () => Promise<void>
  className?: string
}) {
  const dialog = useRef<HTMLDialogElement>(null)
  const [typed, setTyped] = useState('')
  const submit = useSubmit(async () => {
    await onConfirm()
    dialog.current?.close()
  })
  const titleId = useId()
  const ready = !typeToConfirm || typed === typeToConfirm
  return (
    <>
      <button
        type="button"
        className={className}
        onClick={() => {
          setTyped('')
          submit.setError(null)
          dialog.current?.showModal()
        }}
      >
        {label}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId} className="dialog">
        <form onSubmit={submit.onSubmit}>
          <h2 id={titleId}>{title}</h2>
          {children}
          {typeToConfirm && (
            <Field
              label={`Type ${typeToConfirm} to confirm`}
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              autoComplete="off"
              spellCheck={false}
            />
          )}
          <FormError message={submit.error?.message} />
          <div className="actions">
            <button type="button" className="button secondary" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
            <button type="submit" className="button danger" disabled={!ready || submit.busy}>
              {submit.busy ? 'Working…' : confirmLabel}
            </button>
          </div>
        </form>
      </dialog>
    </>
  )
}

export function CopyButton({ value, label = 'Copy' }: { value: string; label?: string }) {
  const [done, setDone] = useState(false)
  return (
    <button
      type="button"
      className="button small secondary"
      aria-label={`${label}: ${value.length > 40 ? value.slice(0, 40) + '…' : value}`}
      onClick={async () => {
        await navigator.clipboard?.writeText(value).catch(() => undefined)
        setDone(true)
        setTimeout(() => setDone(false), 1500)
      }}
    >
      {done ? 'Copied' : label}
    </button>
  )
}

/** A value worth copying, in monospace, with its copy button. */
export function CopyValue({ value, label }: { value: string; label: string }) {
  return (
    <div className="copy-value">
      <code aria-label={label}>{value}</code>
      <CopyButton value={value} label={`Copy ${label}`} />
    </div>
  )
}

/** A secret the API shows once: copy it now. */
export function SecretOnce({ title, value, onDone }: { title: string; value: string; onDone: () => void }) {
  return (
    <div className="secret-once" role="alert">
      <h3>{title}</h3>
      <p>Copy it now: it is stored hashed and will not be shown again.</p>
      <CopyValue value={value} label="secret" />
      <button type="button" className="button secondary" onClick={onDone}>
        I have stored it
      </button>
    </div>
  )
}

export function PageHeader({ title, children, description }: { title: string; description?: ReactNode; children?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {description && <p className="description">{description}</p>}
      </div>
      {children && <div className="page-actions">{children}</div>}
    </header>
  )
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  const id = useId()
  return (
    <section className="card" aria-labelledby={id}>
      <div className="card-header">
        <h2 id={id}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  )
}

/**
 * Cursor paging: the cursors of the pages before this one, the current
 * cursor, and the Previous/Next buttons for a page whose `next` cursor
 * the API gave.
 */
export function useCursors() {
  const [stack, setStack] = useState<string[]>([])
  const pager = (next: string | null | undefined, labels: [string, string] = ['Previous', 'Next']) => (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="button secondary" disabled={stack.length === 0} onClick={() => setStack(stack.slice(0, -1))}>
        {labels[0]}
      </button>
      <button type="button" className="button secondary" disabled={!next} onClick={() => next && setStack([...stack, next])}>
        {labels[1]}
      </button>
    </nav>
  )
  return { cursor: stack[stack.length - 1] as string | undefined, reset: () => setStack([]), pager }
}

/** A table's header row; an empty label is a column of actions (named for screen readers). */
export function Head({ cols }: { cols: string[] }) {
  return (
    <thead>
      <tr>
        {cols.map((c, i) => (
          <th key={i} scope="col">
            {c || <span className="visually-hidden">Actions</span>}
          </th>
        ))}
      </tr>
    </thead>
  )
}

export function when(ms: number | null | undefined): string {
  if (!ms) return '—'
  return new Date(ms).toLocaleString()
}
