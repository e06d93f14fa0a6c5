import { createRoot } from 'react-dom/client';
import { App } from './App';
import { connect } from './api/client';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
const c = connect();
if ('problem' in c) {
  root.render(
    <main className="content">
      <h1>Mailprobe</h1>
      <p className="banner error" role="alert">
        {c.problem}
      </p>
    </main>,
  );
} else {
  root.render(<App api={c.api} link={c.link} />);
}
