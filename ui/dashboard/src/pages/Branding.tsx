import { useEffect, useRef, useState } from 'react'
import { issuerOf } from '../platform'
import { useTitle } from '../router'
import type { Application } from '../types'
import { Field, FormError, Notice, PageHeader, Section, useSubmit } from '../ui'
import { saveSettings } from './Settings'

const HEX = /^#[0-9a-fA-F]{6}$/

export function BrandingPage({ app, onSaved }: { app: Application; onSaved: () => void }) {
  useTitle(`Branding · ${app.name}`)
  const [logo, setLogo] = useState(app.settings.branding?.logo_url ?? '')
  const [colour, setColour] = useState(app.settings.branding?.primary_color ?? '#4f46e5')
  const [useColour, setUseColour] = useState(!!app.settings.branding?.primary_color)
  const [saved, setSaved] = useState(false)
  const submit = useSubmit(async () => {
    setSaved(false)
    const branding = { ...(logo ? { logo_url: logo } : {}), ...(useColour ? { primary_color: colour.toLowerCase() } : {}) }
    await saveSettings(app, { ...app.settings, branding: Object.keys(branding).length ? branding : undefined })
    setSaved(true)
    onSaved()
  })
  const logoProblem = logo && !/^https:\/\/[^\s"'<>\\`]+$/.test(logo) ? 'Must be an https: URL.' : undefined
  const colourProblem = useColour && !HEX.test(colour) ? 'Must be a colour #rrggbb.' : undefined
  return (
    <>
      <PageHeader title="Branding" description="How the hosted sign-in, sign-up and account pages of this application look." />
      {saved && (
        <Notice tone="success">
          Saved. The hosted pages use it from now on: <a href={`${issuerOf(app)}/ui/brand.css`}>its stylesheet</a>.
        </Notice>
      )}
      <div className="split">
        <Section title="Logo and colour">
          <form className="form" onSubmit={submit.onSubmit} aria-label="Branding">
            <Field
              label="Logo URL"
              type="url"
              value={logo}
              placeholder="https://cdn.example.com/logo.svg"
              onChange={(e) => setLogo(e.target.value)}
              error={logoProblem ?? submit.fieldError('settings.branding')}
              hint="An https: image, shown above every form."
            />
            <Field label="Use a brand colour on buttons" type="checkbox" checked={useColour} onChange={(e) => setUseColour(e.target.checked)} />
            {useColour && (
              <div className="colour-row">
                <Field label="Brand colour" type="color" value={HEX.test(colour) ? colour : '#000000'} onChange={(e) => setColour(e.target.value)} />
                <Field label="Hex" value={colour} onChange={(e) => setColour(e.target.value)} error={colourProblem} spellCheck={false} />
              </div>
            )}
            <FormError message={submit.formError} />
            <div className="actions start">
              <button type="submit" className="button" disabled={submit.busy || !!logoProblem || !!colourProblem}>
                {submit.busy ? 'Saving…' : 'Save branding'}
              </button>
            </div>
          </form>
        </Section>
        <Section title="Preview">
          <HostedPreview appName={app.name} logo={logoProblem ? '' : logo} colour={useColour && !colourProblem ? colour : null} />
        </Section>
      </div>
    </>
  )
}

/**
 * The hosted sign-in page's own markup and stylesheet (`/ui/hosted.css`,
 * served on this host too), in a shadow root so it styles nothing else,
 * with the colour and logo applied as `/ui/brand.css` will apply them.
 */
function HostedPreview({ appName, logo, colour }: { appName: string; logo: string; colour: string | null }) {
  const host = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = host.current
    if (!el) return
    const root = el.shadowRoot ?? el.attachShadow({ mode: 'open' })
    root.replaceChildren()
    let live = true
    // The real stylesheet, with the page's root and body rules moved onto
    // the preview (a constructed sheet: the CSP allows no inline style).
    void hostedSheet().then((sheet) => {
      if (live && sheet) root.adoptedStyleSheets = [sheet]
    })
    const page = document.createElement('div')
    page.className = 'preview-body'
    // A picture of the page: nothing in it takes focus or clicks.
    page.inert = true
    const main = document.createElement('main')
    main.className = 'card'
    const logoEl = document.createElement('div')
    logoEl.className = 'app-logo'
    if (logo) {
      logoEl.style.display = 'block'
      logoEl.style.backgroundImage = `url("${logo}")`
    }
    const h1 = document.createElement('h1')
    h1.textContent = 'Sign in'
    const sub = document.createElement('p')
    sub.className = 'sub'
    sub.append('to continue to ')
    const strong = document.createElement('strong')
    strong.textContent = appName
    sub.append(strong)
    const label = document.createElement('label')
    label.textContent = 'Email'
    const input = document.createElement('input')
    input.type = 'email'
    input.disabled = true
    input.setAttribute('aria-label', 'Email (preview)')
    const button = document.createElement('button')
    button.type = 'button'
    button.textContent = 'Continue'
    button.tabIndex = -1
    if (colour) {
      main.style.setProperty('--brand', colour)
      main.style.setProperty('--brand-text', readableOn(colour))
    }
    main.append(logoEl, h1, sub, label, input, button)
    page.append(main)
    root.append(page)
    return () => {
      live = false
    }
  }, [appName, logo, colour])
  return (
    <figure className="hosted-preview-figure">
      <div ref={host} className="hosted-preview" data-testid="hosted-preview" />
      <figcaption>Preview of the sign-in page of {appName}</figcaption>
    </figure>
  )
}

let sheet: Promise<CSSStyleSheet | null> | undefined
function hostedSheet(): Promise<CSSStyleSheet | null> {
  sheet ??= fetch('/ui/hosted.css')
    .then((r) => (r.ok ? r.text() : ''))
    .then((css) => {
      if (!css || typeof CSSStyleSheet === 'undefined' || !('replaceSync' in CSSStyleSheet.prototype)) return null
      const s = new CSSStyleSheet()
      s.replaceSync(css.replace(/:root/g, ':host').replace(/(^|\n)body\s*\{/g, '$1.preview-body {') + '\n.preview-body { min-height: 0; border-radius: 12px; }')
      return s
    })
    .catch(() => null)
  return sheet
}

/** Black or white text on `hex`, whichever contrasts more (WCAG), as the server does. */
export function readableOn(hex: string): string {
  const ch = (i: number) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4
  }
  const l = 0.2126 * ch(1) + 0.7152 * ch(3) + 0.0722 * ch(5)
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? '#ffffff' : '#000000'
}
