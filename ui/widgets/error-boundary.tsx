// A screen that fails to draw (an answer of a shape it did not expect) says so and leaves the rest
// of the UI working: the tabs, the keys, the other screens.
import { Text } from 'ink';
import { Component, type ReactNode } from 'react';

interface State {
  readonly error: Error | undefined;
}

export class ScreenErrorBoundary extends Component<{ children: ReactNode; name: string }, State> {
  override state: State = { error: undefined };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override render(): ReactNode {
    if (this.state.error) return <Text wrap="wrap">{`The ${this.props.name} screen could not be drawn: ${this.state.error.message}. Other screens still work; it is drawn again when you come back.`}</Text>;
    return this.props.children;
  }
}
