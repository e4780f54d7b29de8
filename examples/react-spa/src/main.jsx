// The app's configuration is read at start from /config.json (copy
// public/config.example.json and fill it in), so one build runs anywhere.
import { createRoot } from 'react-dom/client'
import { Aero2Provider, createAero2 } from '@aero2/react'
import { App } from './App.jsx'

const config = await (await fetch('/config.json')).json()
const aero2 = createAero2({
  issuer: config.issuer,
  clientId: config.clientId,
  redirectUri: `${location.origin}/callback`,
  postLogoutRedirectUri: `${location.origin}/`,
  resource: config.audience,
  scope: 'openid profile email offline_access read:notes write:notes',
})

createRoot(document.getElementById('root')).render(
  <Aero2Provider client={aero2}>
    <App config={config} />
  </Aero2Provider>,
)
