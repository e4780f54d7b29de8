import { useTitle } from '../router'
import type { Application } from '../types'
import { Empty, Head, Load, PageHeader, useResource, when } from '../ui'

interface Mail {
  id: string
  recipient: string
  subject: string
  body: string
  kind: string
  created_at: number
}

/** Locally, mail is kept instead of sent: the links it carries are here. */
export function Outbox({ app }: { app: Application }) {
  useTitle(`Mail outbox · ${app.name}`)
  const mail = useResource<{ messages: Mail[] }>(`/applications/${app.id}/outbox`)
  return (
    <>
      <PageHeader
        title="Mail outbox"
        description="With the local mailer, this application's mail (confirmations, resets, invitations, sign-in codes) is kept here for a day instead of sent. A deployment with a real mailer keeps nothing here."
      />
      <Load r={mail}>
        {({ messages }) =>
          messages.length === 0 ? (
            <Empty title="No mail" />
          ) : (
            <table className="table">
              <Head cols={['To', 'Subject', 'Kind', 'Queued']} />
              <tbody>
                {[...messages].reverse().map((m) => (
                  <tr key={m.id}>
                    <td>{m.recipient}</td>
                    <td>
                      <details>
                        <summary>{m.subject}</summary>
                        <pre className="json">{m.body}</pre>
                      </details>
                    </td>
                    <td>{m.kind}</td>
                    <td>{when(m.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Load>
    </>
  )
}
