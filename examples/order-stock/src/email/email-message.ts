/** An email, ready for any transport. */
export interface EmailMessage {
  /**
   * What makes it unique: the id of the event it confirms. A redelivered
   * event makes the same message, and transports deduplicate by it.
   */
  readonly id: string;
  /** The `Message-ID` header, `<id@domain>`, built from `id`. */
  readonly messageId: string;
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  /** The plain-text body. */
  readonly text: string;
  /** The `Date` header: when the event happened, not when the email was sent. */
  readonly date: Date;
}
