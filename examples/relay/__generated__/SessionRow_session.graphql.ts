/**
 * @generated SignedSource<<bc9605675cef9f6221d20f91fa5cf8a5>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ReaderFragment } from 'relay-runtime';
export type SessionSource = "EVERRUNS" | "FACTORY" | "%future added value";
export type SessionState = "IDLE" | "PAUSED" | "PENDING" | "RUNNING" | "UNKNOWN" | "%future added value";
import { FragmentRefs } from "relay-runtime";
export type SessionRow_session$data = {
  readonly createdAt: any;
  readonly id: string;
  readonly model: string | null | undefined;
  readonly source: SessionSource;
  readonly state: SessionState;
  readonly title: string | null | undefined;
  readonly " $fragmentType": "SessionRow_session";
};
export type SessionRow_session$key = {
  readonly " $data"?: SessionRow_session$data;
  readonly " $fragmentSpreads": FragmentRefs<"SessionRow_session">;
};

import SessionRowRefetchQuery_graphql from './SessionRowRefetchQuery.graphql';

const node: ReaderFragment = {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": {
    "refetch": {
      "connection": null,
      "fragmentPathInResult": [
        "node"
      ],
      "operation": SessionRowRefetchQuery_graphql,
      "identifierInfo": {
        "identifierField": "id",
        "identifierQueryVariableName": "id"
      }
    }
  },
  "name": "SessionRow_session",
  "selections": [
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "id",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "title",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "state",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "source",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "createdAt",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "model",
      "storageKey": null
    }
  ],
  "type": "Session",
  "abstractKey": "__isSession"
};

(node as any).hash = "4d7a1bc46f6edf704502621c7b8dca93";

export default node;
