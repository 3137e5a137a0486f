/**
 * A send function that can be called before its MQTT client exists: calls wait in order until `attach`
 * hands over the real one, which then gets them (acks of results delivered by a persistent session right
 * after CONNACK, `model/desired` messages decided before the client connected).
 */
export interface BufferedSink<A extends unknown[]> {
  send(...args: A): void;
  attach(send: (...args: A) => void): void;
}

export function createBufferedSink<A extends unknown[]>(initial?: (...args: A) => void): BufferedSink<A> {
  const waiting: A[] = [];
  let target = initial;
  return {
    send(...args) {
      if (target) target(...args);
      else waiting.push(args);
    },
    attach(send) {
      target = send;
      for (const args of waiting.splice(0)) send(...args);
    },
  };
}
