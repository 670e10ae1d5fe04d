/**
 * The extension's own command ids and its view id, shared by the glue that registers them and
 * the test that holds them against package.json. None may equal a server command id: the
 * language client registers those itself.
 */
export const COMMAND_IDS = {
  makeTool: "latm.palette.makeTool",
  solve: "latm.palette.solve",
  showToolbox: "latm.palette.showToolbox",
  showTool: "latm.palette.showTool",
  verifyTool: "latm.palette.verifyTool",
  commitTool: "latm.palette.commitTool",
  deleteTool: "latm.palette.deleteTool",
  reloadToolbox: "latm.palette.reloadToolbox",
  sandboxStatus: "latm.palette.sandboxStatus",
  showPending: "latm.palette.showPending",
  makeFromPending: "latm.palette.makeFromPending",
  setApiKey: "latm.palette.setApiKey",
  showStats: "latm.palette.showStats",
  restartServer: "latm.restartServer",
  addMcpConfig: "latm.palette.addMcpConfig",
  /** Run by a click on a Toolbox row; hidden from the palette. */
  openTool: "latm.openTool",
  /** Run by a click on the status bar item; hidden from the palette. */
  statusBarClicked: "latm.statusBarClicked",
} as const;

export const TOOLBOX_VIEW = "latmToolbox";
